import DverAccess
import DverCore
import DverRepository
import DverServe
import DverSystem
import Foundation
import Testing

/// The S3 layer without HTTP: routing, bucket-level listings across branches, keys under
/// branches with '/' in their names, anonymous and virtual-hosted requests, XML escaping.
@Suite("serve: S3 requests")
struct S3ServiceTests {
    final class Fixture: Sendable {
        let root: String
        let project: Project

        init() throws {
            root = NSTemporaryDirectory() + "dver-serve-\(UUID().uuidString)"
            try FileSystem.createDirectories("\(root)/data/raw/dir")
            project = try Project.initialize(at: root)
            try FileSystem.writeAtomically("\(root)/data/raw/a&b<c>.txt", Array("escaped\n".utf8), durable: false)
            try FileSystem.writeAtomically("\(root)/data/raw/dir/x.txt", Array("x\n".utf8), durable: false)
            _ = try project.add(["data/raw"])
            _ = try project.commit(message: "one", repos: [])
            _ = try project.createBranch("feature/x", repo: "raw")
            _ = try project.createBranch("v1.0", repo: "raw")
        }

        deinit { try? FileSystem.removeTree(root) }

        func service(anonymous: Bool = true) -> S3Service {
            S3Service(lookup: RevisionLookup(project: project), settings: .init(anonymous: anonymous))
        }
    }

    func get(_ service: S3Service, _ uri: String, headers: [(String, String)] = [], method: String = "GET") throws -> (status: Int, body: String, headers: [(String, String)]) {
        let response = service.respond(to: try S3Request(method: method, uri: uri, headers: [("Host", "127.0.0.1:8333")] + headers), requestID: "test")
        var body = [UInt8]()
        switch response.body {
        case .none: break
        case .bytes(let bytes): body = bytes
        case .file(let content, let range): try content.read(range) { body.append(contentsOf: $0); return true }
        }
        return (response.status, String(decoding: body, as: UTF8.self), response.headers)
    }

    @Test("the bucket's top level lists its branches; a branch with '/' is reached through its prefix and by key")
    func branches() throws {
        let fixture = try Fixture()
        let service = fixture.service()
        let top = try get(service, "/raw?list-type=2&delimiter=/")
        #expect(top.body.contains("<Prefix>feature/</Prefix>") && top.body.contains("<Prefix>main/</Prefix>") && top.body.contains("<Prefix>v1.0/</Prefix>"), "\(top.body)")
        let feature = try get(service, "/raw?list-type=2&delimiter=/&prefix=feature/")
        #expect(feature.body.contains("<Prefix>feature/x/</Prefix>"), "\(feature.body)")
        let inside = try get(service, "/raw?list-type=2&delimiter=/&prefix=feature/x/")
        #expect(inside.body.contains("<Key>feature/x/a&amp;b&lt;c&gt;.txt</Key>") && inside.body.contains("<Prefix>feature/x/dir/</Prefix>"), "\(inside.body)")
        #expect(try get(service, "/raw/feature/x/dir/x.txt").body == "x\n")
        #expect(try get(service, "/raw/v1.0/dir/x.txt").body == "x\n")
        let everything = try get(service, "/raw?list-type=2")
        #expect(everything.body.components(separatedBy: "<Key>").count - 1 == 6, "\(everything.body)")
        let encoded = try get(service, "/raw?list-type=2&prefix=main/&encoding-type=url")
        #expect(encoded.body.contains("<Key>main/a%26b%3Cc%3E.txt</Key>"), "\(encoded.body)")
    }

    @Test("anonymous servers take unsigned requests; others refuse them; writes and unknown sub-resources are refused")
    func access() throws {
        let fixture = try Fixture()
        #expect(try get(fixture.service(), "/raw/main/dir/x.txt").status == 200)
        let refused = try get(fixture.service(anonymous: false), "/raw/main/dir/x.txt")
        #expect(refused.status == 403 && refused.body.contains("<Code>AccessDenied</Code>"))
        #expect(try get(fixture.service(), "/raw/main/dir/x.txt", method: "DELETE").status == 405)
        #expect(try get(fixture.service(), "/raw?acl").status == 501)
        #expect(try get(fixture.service(), "/nope?list-type=2").body.contains("<Code>NoSuchBucket</Code>"))
        let head = try get(fixture.service(), "/raw/main/absent", method: "HEAD")
        #expect(head.status == 404 && head.body.isEmpty)
    }

    @Test("virtual-hosted style: the bucket comes from the host name")
    func virtualHosted() throws {
        let fixture = try Fixture()
        let service = fixture.service()
        let response = service.respond(to: try S3Request(method: "GET", uri: "/main/dir/x.txt", headers: [("Host", "raw.localhost:8333")]), requestID: "t")
        #expect(response.status == 200)
        let listing = service.respond(to: try S3Request(method: "GET", uri: "/?list-type=2&prefix=main/dir/", headers: [("Host", "raw.localhost")]), requestID: "t")
        guard case .bytes(let bytes) = listing.body else { Issue.record("no listing"); return }
        #expect(String(decoding: bytes, as: UTF8.self).contains("<Key>main/dir/x.txt</Key>"))
    }

    @Test("ranges: suffix, open-ended, clamped; unsatisfiable ones are 416; other forms serve the whole file")
    func ranges() throws {
        let fixture = try Fixture()
        let service = fixture.service()
        let cases: [(String, Int, String)] = [("bytes=0-0", 206, "x"), ("bytes=1-", 206, "\n"), ("bytes=-1", 206, "\n"), ("bytes=0-99", 206, "x\n"),
                                               ("bytes=0-0,1-1", 200, "x\n"), ("items=0-1", 200, "x\n"), ("bytes=1-0", 200, "x\n")]
        for (header, status, body) in cases {
            let response = try get(service, "/raw/main/dir/x.txt", headers: [("Range", header)])
            #expect(response.status == status && response.body == body, "\(header)")
        }
        let unsatisfiable = try get(service, "/raw/main/dir/x.txt", headers: [("Range", "bytes=2-")])
        #expect(unsatisfiable.status == 416 && unsatisfiable.body.contains("<Code>InvalidRange</Code>"))
        #expect(unsatisfiable.headers.contains { $0.0 == "Content-Range" && $0.1 == "bytes */2" })
        let partial = try get(service, "/raw/main/dir/x.txt", headers: [("Range", "bytes=1-")])
        #expect(partial.headers.contains { $0.0 == "Content-Range" && $0.1 == "bytes 1-1/2" })
    }

    @Test("hostile requests get S3 errors naming the problem, never a trap or a read outside the repo")
    func hostile() throws {
        let fixture = try Fixture()
        let service = fixture.service()
        let cases: [(String, Int, String)] = [
            ("/raw?list-type=2&continuation-token=not-base64!", 400, "InvalidArgument"),
            ("/raw?list-type=2&continuation-token=\(Data("2:x".utf8).base64EncodedString())", 400, "InvalidArgument"),
            ("/raw?list-type=2&max-keys=-1", 400, "InvalidArgument"),
            ("/raw?list-type=2&max-keys=99999999999999999999", 400, "InvalidArgument"),
            ("/raw?list-type=2&encoding-type=base64", 400, "InvalidArgument"),
            ("/raw/main/dir/..%2F..%2Fa.txt", 400, "InvalidURI"),
            ("/raw/main/dir%2F%2E%2E/x.txt", 400, "InvalidURI"),
            ("/raw/main/dir/%FF.txt", 400, "InvalidURI"),
            ("/raw/main/dir/x.txt%", 400, "InvalidURI"),
            ("/raw/main:x/dir/x.txt", 404, "NoSuchKey"),
            ("/raw/0123/dir/x.txt", 404, "NoSuchKey"),
            ("/..%2F..%2Fetc/passwd", 404, "NoSuchBucket"),
        ]
        for (uri, status, code) in cases {
            let response: (status: Int, body: String, headers: [(String, String)])
            do {
                response = try get(service, uri)
            } catch let error as S3Error {
                response = (error.status, error.code, [])
            }
            #expect(response.status == status && response.body.contains(code), "\(uri): \(response.status) \(response.body)")
        }
    }

    @Test("a damaged repos.json is reported as damage, not as a missing bucket")
    func damagedRegistry() throws {
        let fixture = try Fixture()
        try FileSystem.writeAtomically(fixture.project.layout.reposFile, Array("{not json".utf8), durable: false)
        let response = try get(fixture.service(), "/raw/main/dir/x.txt")
        #expect(response.status == 500 && response.body.contains("repos.json"), "\(response.body)")
    }
}
