import DverCore
import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A remote in S3-compatible object storage: objects under `PREFIX/` in a bucket, requests
/// signed with SigV4 by libcurl (`CURLOPT_AWS_SIGV4`); the payload's SHA-256 is sent in
/// `x-amz-content-sha256`, so the server also checks every uploaded byte. Large files go up
/// in parts (multipart upload); conditional writes use `If-Match` / `If-None-Match`.
/// Listing and deleting: `S3Transport+Listing`.
public final class S3Transport: RemoteTransport {
    public let bucket: String
    public let prefix: String
    public let endpoint: S3Endpoint
    private let client: HTTPClient
    private let counter = RequestCounter()
    /// Files larger than this are uploaded in parts of `partSize`.
    let multipartThreshold: UInt64
    let partSize: UInt64
    /// The most objects `list` returns (`RemoteListing.maximumCount`; lower in tests).
    let listingLimit: Int

    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public init(bucket: String, prefix: String, endpoint: S3Endpoint, credentials: S3Credentials,
                multipartThreshold: UInt64 = 16 << 20, partSize: UInt64 = 16 << 20,
                listingLimit: Int = RemoteListing.maximumCount) {
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.multipartThreshold = multipartThreshold
        self.partSize = max(partSize, 5 << 20)
        self.listingLimit = max(1, listingLimit)
        client = HTTPClient(signing: HTTPClient.Signing(provider: "aws:amz:\(endpoint.region):s3", credentials: credentials))
    }

    public var displayURL: String {
        (prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)") + " (\(endpoint.scheme)://\(endpoint.host))"
    }

    public var requestCount: Int { counter.count }

    func url(_ key: String?, query: String? = nil) -> String {
        let full = key.map { prefix.isEmpty ? $0 : "\(prefix)/\($0)" }
        return endpoint.url(bucket: bucket, key: full, query: query)
    }

    // MARK: RemoteTransport

    public func prepare(creating: Bool) throws {
        let response = try send(HTTPRequest(method: "HEAD", url: url(nil), headers: Self.hashHeader(Self.emptyPayloadHash)))
        switch response.status {
        case 200..<300: return
        case 404: throw RemoteError.bucketNotFound(bucket: bucket, endpoint: "\(endpoint.scheme)://\(endpoint.host)")
        default: throw failure(response, "HEAD", url(nil))
        }
    }

    public func get(_ key: String, limit: Int) throws -> RemoteBlob? {
        let target = url(key)
        var request = HTTPRequest(method: "GET", url: target, headers: Self.hashHeader(Self.emptyPayloadHash))
        request.limit = UInt64(max(0, limit))
        let response = try send(request, key: key)
        if response.status == 404, S3ErrorBody(response.body).code != "NoSuchBucket" { return nil }
        guard response.status == 200 else { throw failure(response, "GET", target) }
        return RemoteBlob(bytes: response.body, version: response.headers["etag"] ?? "")
    }

    public func getRange(_ key: String, offset: UInt64, length: Int) throws -> [UInt8] {
        guard length > 0 else { return [] }
        let target = url(key)
        // Offsets come from remote pack indexes: keep the range where arithmetic cannot overflow.
        guard offset <= UInt64(Int64.max) - UInt64(length) else {
            throw RemoteError.transferFailed(url: target, detail: "range of \(length) bytes at offset \(offset) lies beyond any object")
        }
        var request = HTTPRequest(method: "GET", url: target, headers: Self.hashHeader(Self.emptyPayloadHash))
        request.range = offset...(offset + UInt64(length) - 1)
        request.limit = UInt64(length)
        let response = try send(request, key: key)
        // 206, or 200 from a server that ignores Range (HTTPClient then keeps only the range).
        guard response.status == 206 || response.status == 200 else { throw failure(response, "GET", target) }
        guard response.body.count == length else {
            throw RemoteError.transferFailed(url: target, detail: "got \(response.body.count) of \(length) bytes at offset \(offset)")
        }
        return response.body
    }

    public func download(_ key: String, to path: String, limit: UInt64, progress: @escaping TransferProgress) throws {
        let target = url(key)
        var request = HTTPRequest(method: "GET", url: target, headers: Self.hashHeader(Self.emptyPayloadHash))
        request.sink = .file(path: path)
        request.limit = limit
        request.progress = progress
        let response = try send(request, key: key)
        guard response.status == 200 else { throw failure(response, "GET", target) }
        if let expected = response.headers["content-length"].flatMap({ Int64($0) }) {
            let actual = try FileSystem.linkStatus(path).size
            guard actual == expected else {
                throw RemoteError.transferFailed(url: target, detail: "received \(actual) of \(expected) bytes")
            }
        }
    }

    public func upload(_ key: String, fromFile path: String, progress: @escaping TransferProgress) throws {
        let size = UInt64(try FileSystem.linkStatus(path).size)
        if size > multipartThreshold {
            try uploadInParts(key, path: path, size: size, progress: progress)
            return
        }
        let target = url(key)
        var request = HTTPRequest(method: "PUT", url: target,
                                  headers: Self.hashHeader(try Self.fileHash(path, offset: 0, length: size)))
        request.body = .file(path: path, offset: 0, length: size)
        request.progress = progress
        let response = try send(request)
        guard (200..<300).contains(response.status) else { throw failure(response, "PUT", target) }
    }

    public func put(_ key: String, bytes: [UInt8]) throws {
        let target = url(key)
        var request = HTTPRequest(method: "PUT", url: target, headers: Self.hashHeader(SHA256.hash(bytes).hex))
        request.body = .bytes(bytes)
        let response = try send(request)
        guard (200..<300).contains(response.status) else { throw failure(response, "PUT", target) }
    }

    public func putConditionally(_ key: String, bytes: [UInt8], expected: String?) throws -> String? {
        let target = url(key)
        var headers = Self.hashHeader(SHA256.hash(bytes).hex)
        headers.append(expected.map { "If-Match: \($0)" } ?? "If-None-Match: *")
        var request = HTTPRequest(method: "PUT", url: target, headers: headers)
        request.body = .bytes(bytes)
        let response = try send(request, retryServerErrors: false)
        if response.status == 412 || response.status == 409 { return nil }
        guard (200..<300).contains(response.status) else { throw failure(response, "PUT", target) }
        // Without an ETag in the answer the next conditional write re-reads the index first.
        return response.headers["etag"] ?? ""
    }

    public func size(of key: String) throws -> UInt64? {
        let target = url(key)
        let response = try send(HTTPRequest(method: "HEAD", url: target, headers: Self.hashHeader(Self.emptyPayloadHash)))
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw failure(response, "HEAD", target) }
        return response.headers["content-length"].flatMap { UInt64($0) }
    }

    /// Creates the bucket (used by tests and set-up scripts; push never creates buckets).
    public func createBucket() throws {
        let target = url(nil)
        let response = try send(HTTPRequest(method: "PUT", url: target, headers: Self.hashHeader(Self.emptyPayloadHash)))
        guard (200..<300).contains(response.status) || S3ErrorBody(response.body).code == "BucketAlreadyOwnedByYou" else {
            throw failure(response, "PUT", target)
        }
    }

    // MARK: Multipart upload

    private func uploadInParts(_ key: String, path: String, size: UInt64, progress: @escaping TransferProgress) throws {
        let target = url(key)
        let created = try send(HTTPRequest(method: "POST", url: url(key, query: "uploads="),
                                           headers: Self.hashHeader(Self.emptyPayloadHash)))
        guard created.status == 200, let uploadID = S3ErrorBody.element("UploadId", in: created.body) else {
            throw failure(created, "POST", target)
        }
        let idQuery = "uploadId=" + Self.encodeQueryValue(uploadID)
        do {
            var parts = [(Int, String)]()
            var offset: UInt64 = 0
            var number = 1
            while offset < size {
                let length = min(partSize, size - offset)
                var request = HTTPRequest(method: "PUT", url: url(key, query: "partNumber=\(number)&\(idQuery)"),
                                          headers: Self.hashHeader(try Self.fileHash(path, offset: offset, length: length)))
                request.body = .file(path: path, offset: offset, length: length)
                request.progress = progress
                let response = try send(request)
                guard response.status == 200, let etag = response.headers["etag"] else { throw failure(response, "PUT", target) }
                parts.append((number, etag))
                offset += length
                number += 1
            }
            var xml = "<CompleteMultipartUpload>"
            for (number, etag) in parts { xml += "<Part><PartNumber>\(number)</PartNumber><ETag>\(etag)</ETag></Part>" }
            xml += "</CompleteMultipartUpload>"
            let body = Array(xml.utf8)
            var complete = HTTPRequest(method: "POST", url: url(key, query: idQuery), headers: Self.hashHeader(SHA256.hash(body).hex))
            complete.body = .bytes(body)
            let response = try send(complete)
            // S3 may answer 200 and still report an error in the body.
            guard response.status == 200, S3ErrorBody(response.body).code == nil else { throw failure(response, "POST", target) }
        } catch {
            _ = try? send(HTTPRequest(method: "DELETE", url: url(key, query: idQuery), headers: Self.hashHeader(Self.emptyPayloadHash)),
                          retryServerErrors: false)
            throw error
        }
    }

    // MARK: Requests and errors

    /// Sends a request, retrying after connection failures (twice) and 500/503 answers (four
    /// times, backing off from 0.2 s to 1.6 s).
    func send(_ request: HTTPRequest, key: String? = nil, retryServerErrors: Bool = true) throws -> HTTPResponse {
        do {
            return try sendRetrying(request, retryServerErrors: retryServerErrors)
        } catch let tooLarge as HTTPBodyTooLarge {
            throw RemoteError.oversized(key ?? request.url, url: displayURL, limit: tooLarge.limit)
        }
    }

    private func sendRetrying(_ request: HTTPRequest, retryServerErrors: Bool) throws -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            counter.increment()
            do {
                let response = try client.perform(request)
                if retryServerErrors, response.status == 500 || response.status == 503, attempt < 5 {
                    usleep(useconds_t(100_000 << attempt))
                    continue
                }
                return response
            } catch let failure as HTTPTransportFailure {
                if failure.isUnreachable {
                    throw RemoteError.unreachable(url: "\(endpoint.scheme)://\(endpoint.host)", detail: failure.message)
                }
                if attempt < 3 {
                    usleep(useconds_t(200_000 * attempt))
                    continue
                }
                throw RemoteError.transferFailed(url: request.url, detail: failure.message)
            }
        }
    }

    func failure(_ response: HTTPResponse, _ method: String, _ target: String) -> RemoteError {
        let parsed = S3ErrorBody(response.body)
        // The server's words, escaped: a hostile server could send terminal control sequences.
        let detail = [parsed.code, parsed.message].compactMap { $0?.printableForMessage }.joined(separator: ": ")
        switch (response.status, parsed.code) {
        case (403, _), (401, _):
            return .accessDenied(url: target, detail: detail.isEmpty ? "HTTP \(response.status)" : detail)
        case (404, "NoSuchBucket"):
            return .bucketNotFound(bucket: bucket, endpoint: "\(endpoint.scheme)://\(endpoint.host)")
        default:
            return .httpFailure(method: method, url: target, status: response.status, detail: detail)
        }
    }

    static func hashHeader(_ hash: String) -> [String] { ["x-amz-content-sha256: \(hash)"] }

    private static func fileHash(_ path: String, offset: UInt64, length: UInt64) throws -> String {
        let file = try MappedFile(path: path)
        guard let base = file.bytes.baseAddress, offset + length <= UInt64(file.count) else {
            return emptyPayloadHash
        }
        return SHA256.hash(base + Int(offset), count: Int(length)).hex
    }

    static func encodeQueryValue(_ value: String) -> String {
        S3Endpoint.encodePath(value).replacingSlashes()
    }
}

extension String {
    func replacingSlashes() -> String {
        var result = ""
        for character in self { result += character == "/" ? "%2F" : String(character) }
        return result
    }
}

/// The `<Code>` and `<Message>` of an S3 error document, read without an XML parser.
struct S3ErrorBody {
    var code: String?
    var message: String?

    init(_ body: [UInt8]) {
        code = Self.element("Code", in: body)
        message = Self.element("Message", in: body)
    }

    static func element(_ name: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(65536), as: UTF8.self)
        guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[start.upperBound..<end.lowerBound])
    }
}
