import COpenSSL
import DverCore
import Foundation

/// Checks AWS Signature Version 4 on a request, in both forms S3 clients use: the
/// `Authorization` header, and presigned URLs (`X-Amz-Signature` in the query). The canonical
/// request is rebuilt from what arrived, the signature recomputed with the key's secret and
/// compared in constant time. Any region is accepted (clients default to us-east-1); the
/// service must be `s3`.
public struct SigV4 {
    public let keys: ServeKeys
    /// How far a signed request's date may be from the server's clock (S3 allows 15 minutes).
    public static let allowedSkew: TimeInterval = 15 * 60
    /// The longest a presigned URL may be valid (S3: 7 days).
    public static let maximumExpiry = 604_800

    public init(keys: ServeKeys) { self.keys = keys }

    /// Whether the request carries a signature at all.
    public static func isSigned(_ request: S3Request) -> Bool {
        request.header("authorization") != nil || request.parameter("X-Amz-Signature") != nil || request.parameter("Signature") != nil
    }

    /// Refused with the fix: clients fall back to version 2 only when told to.
    static let version2 = S3Error(code: "InvalidRequest", status: 400,
                                  message: "only AWS Signature Version 4 is supported; configure the client for it (boto3: Config(signature_version='s3v4'))")

    /// - Returns: the access key id that signed the request.
    /// - Throws: `S3Error` — AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch,
    ///   RequestTimeTooSkewed, AuthorizationQueryParametersError — naming what is wrong.
    public func verify(_ request: S3Request, now: Date = Date()) throws -> String {
        if request.parameter("Signature") != nil, request.parameter("AWSAccessKeyId") != nil { throw Self.version2 }
        let parsed = try request.parameter("X-Amz-Signature") != nil ? presigned(request, now: now) : header(request, now: now)
        guard let secret = keys.secret(for: parsed.accessKey) else {
            throw S3Error(code: "InvalidAccessKeyId", status: 403,
                          message: "access key '\(parsed.accessKey)' is not one of this server's keys (see .dver/serve.json)")
        }
        let scope = parsed.scope.joined(separator: "/")
        let key = Self.signingKey(secret: secret, date: parsed.scope[0], region: parsed.scope[1], service: parsed.scope[2])
        for path in Self.canonicalPaths(request) {
            let canonical = Self.canonicalRequest(request, path: path, signedHeaders: parsed.signedHeaders,
                                                  payloadHash: parsed.payloadHash, excludeSignature: parsed.isPresigned)
            let toSign = "AWS4-HMAC-SHA256\n\(parsed.amzDate)\n\(scope)\n\(SHA256.hash(canonical).hex)"
            let expected = HexCoding.encode(Self.hmac(key: key, Array(toSign.utf8)))
            if Self.constantTimeEqual(expected, parsed.signature.lowercased()) { return parsed.accessKey }
        }
        throw S3Error(code: "SignatureDoesNotMatch", status: 403,
                      message: "the request signature does not match: check the secret access key and that nothing rewrote the request")
    }

    struct Parsed {
        var accessKey: String
        /// date, region, service, "aws4_request"
        var scope: [String]
        var signedHeaders: [String]
        var signature: String
        var amzDate: String
        var payloadHash: String
        var isPresigned: Bool
    }

    private func header(_ request: S3Request, now: Date) throws -> Parsed {
        guard let authorization = request.header("authorization") else {
            throw S3Error.accessDenied("the request is not signed; sign it with one of the server's keys (.dver/serve.json) or start the server with --anonymous")
        }
        guard authorization.hasPrefix("AWS4-HMAC-SHA256 ") else { throw Self.version2 }
        var fields = [String: String]()
        for part in authorization.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"], let signature = fields["Signature"] else {
            throw S3Error(code: "AuthorizationHeaderMalformed", status: 400, message: "the Authorization header needs Credential, SignedHeaders and Signature")
        }
        guard let amzDate = request.header("x-amz-date") ?? request.header("date").flatMap(Self.amzDate(fromHTTPDate:)) else {
            throw S3Error.accessDenied("a signed request needs an x-amz-date header")
        }
        let (accessKey, scope) = try Self.credential(credential, amzDate: amzDate, code: "AuthorizationHeaderMalformed")
        try Self.checkClock(amzDate, now: now)
        let headers = signedHeaders.split(separator: ";").map(String.init)
        guard headers.contains("host") else {
            throw S3Error(code: "AuthorizationHeaderMalformed", status: 400, message: "the signed headers must include host")
        }
        return Parsed(accessKey: accessKey, scope: scope, signedHeaders: headers, signature: signature, amzDate: amzDate,
                      payloadHash: request.header("x-amz-content-sha256") ?? SHA256.hash([UInt8]()).hex, isPresigned: false)
    }

    private func presigned(_ request: S3Request, now: Date) throws -> Parsed {
        func required(_ name: String) throws -> String {
            guard let value = request.parameter(name) else {
                throw S3Error(code: "AuthorizationQueryParametersError", status: 400, message: "a presigned URL needs \(name)")
            }
            return value
        }
        guard try required("X-Amz-Algorithm") == "AWS4-HMAC-SHA256" else {
            throw S3Error(code: "AuthorizationQueryParametersError", status: 400, message: "X-Amz-Algorithm must be AWS4-HMAC-SHA256")
        }
        let amzDate = try required("X-Amz-Date")
        let (accessKey, scope) = try Self.credential(try required("X-Amz-Credential"), amzDate: amzDate, code: "AuthorizationQueryParametersError")
        guard let expires = Int(try required("X-Amz-Expires")), (1...Self.maximumExpiry).contains(expires) else {
            throw S3Error(code: "AuthorizationQueryParametersError", status: 400,
                          message: "X-Amz-Expires must be a number of seconds from 1 to \(Self.maximumExpiry)")
        }
        guard let signed = Self.date(amzDate) else {
            throw S3Error(code: "AuthorizationQueryParametersError", status: 400, message: "X-Amz-Date is not of the form 20261130T120000Z")
        }
        if now.timeIntervalSince(signed) > TimeInterval(expires) { throw S3Error.accessDenied("Request has expired") }
        if signed.timeIntervalSince(now) > Self.allowedSkew {
            throw S3Error(code: "RequestTimeTooSkewed", status: 403, message: "X-Amz-Date is in the future; check the clocks")
        }
        let headers = try required("X-Amz-SignedHeaders").split(separator: ";").map(String.init)
        return Parsed(accessKey: accessKey, scope: scope, signedHeaders: headers, signature: try required("X-Amz-Signature"),
                      amzDate: amzDate, payloadHash: request.header("x-amz-content-sha256") ?? "UNSIGNED-PAYLOAD", isPresigned: true)
    }

    /// `AKID/20261130/us-east-1/s3/aws4_request` → the key id and the four scope parts.
    private static func credential(_ text: String, amzDate: String, code: String) throws -> (String, [String]) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[4] == "aws4_request", parts[3] == "s3", parts[1].count == 8, amzDate.hasPrefix(parts[1]) else {
            throw S3Error(code: code, status: 400, message: "the credential must be KEY/YYYYMMDD/REGION/s3/aws4_request, dated as the request")
        }
        return (parts[0], Array(parts[1...]))
    }

    private static func checkClock(_ amzDate: String, now: Date) throws {
        guard let signed = date(amzDate) else {
            throw S3Error.accessDenied("x-amz-date is not of the form 20261130T120000Z")
        }
        guard abs(signed.timeIntervalSince(now)) <= allowedSkew else {
            throw S3Error(code: "RequestTimeTooSkewed", status: 403,
                          message: "the request's time differs from the server's by more than 15 minutes; check the clocks")
        }
    }

    /// The paths a client may have signed: the canonical encoding of the decoded path, and the
    /// path exactly as sent (clients differ in which characters they escape).
    static func canonicalPaths(_ request: S3Request) -> [String] {
        var paths = [request.rawPath]
        if let decoded = PercentEncoding.decode(Substring(request.rawPath)) {
            let canonical = PercentEncoding.encode(decoded, keepSlash: true)
            if canonical != request.rawPath { paths.insert(canonical, at: 0) }
        }
        return paths
    }

    static func canonicalRequest(_ request: S3Request, path: String, signedHeaders: [String], payloadHash: String,
                                 excludeSignature: Bool) -> String {
        var pairs = [(name: String, value: String)]()
        for parameter in request.query where !(excludeSignature && parameter.name == "X-Amz-Signature") {
            pairs.append((PercentEncoding.encode(parameter.name, keepSlash: false), PercentEncoding.encode(parameter.value, keepSlash: false)))
        }
        pairs.sort { (left: (name: String, value: String), right: (name: String, value: String)) -> Bool in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        let query = pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let headers = signedHeaders.map { name in
            let value = (request.header(name) ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            return "\(name):\(value)\n"
        }.joined()
        return "\(request.method)\n\(path)\n\(query)\n\(headers)\n\(signedHeaders.joined(separator: ";"))\n\(payloadHash)"
    }

    static func signingKey(secret: String, date: String, region: String, service: String) -> [UInt8] {
        let dateKey = hmac(key: Array("AWS4\(secret)".utf8), Array(date.utf8))
        let regionKey = hmac(key: dateKey, Array(region.utf8))
        let serviceKey = hmac(key: regionKey, Array(service.utf8))
        return hmac(key: serviceKey, Array("aws4_request".utf8))
    }

    static func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = key.withUnsafeBufferPointer { keyBytes in
            data.withUnsafeBufferPointer { dataBytes in
                HMAC(EVP_sha256(), keyBytes.baseAddress, Int32(keyBytes.count), dataBytes.baseAddress, dataBytes.count, &output, &length)
            }
        }
        return Array(output.prefix(Int(length)))
    }

    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8), right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// `20261130T120000Z` as a date.
    static func date(_ text: String) -> Date? { S3Dates.parseAmz(text) }

    /// An RFC 1123 `Date` header as an x-amz-date, for clients that sign `date` instead.
    static func amzDate(fromHTTPDate text: String) -> String? { S3Dates.parseHTTP(text).map(S3Dates.amz) }
}
