import DverCore
import DverRemote
import DverSystem
import Foundation
import Testing

/// Uploads to a directory remote: a file the caller gives away is renamed into place when it can
/// be (one file system), copied otherwise, and either way lands whole under its key.
@Suite("directory remote: uploads")
struct DirectoryUploadTests {
    static let bytes = seeded(41, 300_000)

    /// A scratch directory on another file system than the sandbox, if this machine has one.
    static let otherFileSystem: String? = {
        guard let shared = try? FileSystem.status("/dev/shm"), let temporary = try? FileSystem.status(NSTemporaryDirectory()),
              shared.device != temporary.device, access("/dev/shm", W_OK) == 0 else { return nil }
        return "/dev/shm"
    }()

    /// A sandbox with an empty directory remote in it.
    static func remote() throws -> (Sandbox, DirectoryTransport) {
        let sandbox = try Sandbox()
        let transport = DirectoryTransport(root: sandbox.path("remote"))
        try transport.prepare(creating: true)
        return (sandbox, transport)
    }

    @Test("a moved file on the same file system is renamed into place: gone from its place, whole under its key, nothing left beside it")
    func moveOnOneFileSystem() throws {
        let (sandbox, transport) = try Self.remote()
        let source = sandbox.path("outgoing.pack")
        try FileSystem.writeAtomically(source, Self.bytes, durable: false)
        let inode = try FileSystem.status(source).inode
        let reported = Locked<UInt64>(0)
        try transport.upload("packs/pack-a.pack", movingFile: source, progress: { sent in reported.withLock { $0 += sent } })
        #expect(!FileSystem.exists(source))
        #expect(try FileSystem.readFile(sandbox.path("remote/packs/pack-a.pack")) == Self.bytes)
        #expect(try FileSystem.status(sandbox.path("remote/packs/pack-a.pack")).inode == inode, "renamed, not copied")
        #expect(try FileSystem.list(sandbox.path("remote/packs")).map(\.name) == ["pack-a.pack"])
        #expect(reported.withLock { $0 } == UInt64(Self.bytes.count))
    }

    @Test("a moved file replaces what the key held, like a copy does")
    func moveReplaces() throws {
        let (sandbox, transport) = try Self.remote()
        try transport.put("packs/pack-a.pack", bytes: [1, 2, 3])
        let source = sandbox.path("outgoing.pack")
        try FileSystem.writeAtomically(source, Self.bytes, durable: false)
        try transport.upload("packs/pack-a.pack", movingFile: source, progress: { _ in })
        #expect(try FileSystem.readFile(sandbox.path("remote/packs/pack-a.pack")) == Self.bytes)
    }

    @Test("a copied file stays where it was")
    func copyKeepsTheSource() throws {
        let (sandbox, transport) = try Self.remote()
        let source = sandbox.path("outgoing.pack")
        try FileSystem.writeAtomically(source, Self.bytes, durable: false)
        try transport.upload("packs/pack-a.pack", fromFile: source, progress: { _ in })
        #expect(try FileSystem.readFile(source) == Self.bytes)
        #expect(try FileSystem.readFile(sandbox.path("remote/packs/pack-a.pack")) == Self.bytes)
        #expect(try FileSystem.status(source).inode != FileSystem.status(sandbox.path("remote/packs/pack-a.pack")).inode)
    }

    @Test("a moved file on another file system is copied", .enabled(if: otherFileSystem != nil, "no second writable file system (/dev/shm)"))
    func moveAcrossFileSystems() throws {
        let (sandbox, transport) = try Self.remote()
        let source = "\(try #require(Self.otherFileSystem))/dver-upload-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileSystem.removeIfExists(source) }
        try FileSystem.writeAtomically(source, Self.bytes, durable: false)
        try transport.upload("packs/pack-a.pack", movingFile: source, progress: { _ in })
        #expect(try FileSystem.readFile(sandbox.path("remote/packs/pack-a.pack")) == Self.bytes)
        #expect(try FileSystem.list(sandbox.path("remote/packs")).map(\.name) == ["pack-a.pack"])
    }

    @Test("a push leaves no staging files behind and the remote it wrote is whole")
    func pushLeavesNothing() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: ["data/raw/a.bin": seeded(1, 400_000), "data/raw/b.txt": Array("b\n".utf8)])
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))
        _ = try source.push(remote, batchBytes: 64 << 10)
        let temporary = source.project.layout.temporaryDirectory
        #expect(try !FileSystem.exists(temporary) || FileSystem.list(temporary).isEmpty)
        try FileSystem.createDirectories(sandbox.path("scratch"))
        let report = try RemoteFsck(remote: remote, sample: 1, temporaryDirectory: sandbox.path("scratch")).run()
        #expect(report.isHealthy, "\(report.errors)")
        let clone = try sandbox.clone()
        #expect(try FileSystem.readFile("\(clone.project.root)/data/raw/a.bin") == seeded(1, 400_000))
    }
}
