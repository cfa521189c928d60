import DverServe
import Foundation
import Testing

/// Signature Version 4 against the worked examples of AWS's S3 documentation ("Examples:
/// Signature Calculations", GET Object with a Range header, and a presigned GET).
@Suite("serve: SigV4 verification")
struct SigV4Tests {
    static let keys = ServeKeys(keys: [.init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")])
    static let signedAt = Date(timeIntervalSince1970: 1_369_353_600)  // 20130524T000000Z

    static func headerRequest(signature: String, path: String = "/test.txt", key: String = "AKIAIOSFODNN7EXAMPLE") throws -> S3Request {
        try S3Request(method: "GET", uri: path, headers: [
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("x-amz-date", "20130524T000000Z"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=\(key)/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=\(signature)"),
        ])
    }

    @Test("the documented GET Object signature verifies; a changed byte anywhere does not")
    func header() throws {
        let verifier = SigV4(keys: Self.keys)
        let good = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        #expect(try verifier.verify(try Self.headerRequest(signature: good), now: Self.signedAt) == "AKIAIOSFODNN7EXAMPLE")
        #expect(throws: S3Error.self) { try verifier.verify(try Self.headerRequest(signature: "0" + good.dropFirst()), now: Self.signedAt) }
        #expect(throws: S3Error.self) { try verifier.verify(try Self.headerRequest(signature: good, path: "/test.txu"), now: Self.signedAt) }
        let unknown = #expect(throws: S3Error.self) { try verifier.verify(try Self.headerRequest(signature: good, key: "AKIDOTHER"), now: Self.signedAt) }
        #expect(unknown?.code == "InvalidAccessKeyId")
        let skewed = #expect(throws: S3Error.self) { try verifier.verify(try Self.headerRequest(signature: good), now: Self.signedAt + 3600) }
        #expect(skewed?.code == "RequestTimeTooSkewed")
        let unsigned = #expect(throws: S3Error.self) {
            try verifier.verify(try S3Request(method: "GET", uri: "/test.txt", headers: [("Host", "x")]), now: Self.signedAt)
        }
        #expect(unsigned?.code == "AccessDenied")
    }

    static func presigned(signature: String) throws -> S3Request {
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=\(signature)"
        return try S3Request(method: "GET", uri: "/test.txt?\(query)", headers: [("Host", "examplebucket.s3.amazonaws.com")])
    }

    @Test("the documented presigned URL verifies until it expires")
    func presignedURL() throws {
        let verifier = SigV4(keys: Self.keys)
        let good = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        #expect(try verifier.verify(try Self.presigned(signature: good), now: Self.signedAt + 600) == "AKIAIOSFODNN7EXAMPLE")
        let expired = #expect(throws: S3Error.self) { try verifier.verify(try Self.presigned(signature: good), now: Self.signedAt + 86_401) }
        #expect(expired?.code == "AccessDenied")
        let wrong = #expect(throws: S3Error.self) { try verifier.verify(try Self.presigned(signature: String(good.reversed())), now: Self.signedAt) }
        #expect(wrong?.code == "SignatureDoesNotMatch")
    }
}
