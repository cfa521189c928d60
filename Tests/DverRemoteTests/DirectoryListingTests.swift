import DverCore
import DverRemote
import DverSystem
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `list` and `delete` of a directory remote: the contract every transport keeps, and what a
/// directory adds — symlinks never followed, special files and the lock file never listed,
/// temporary files of interrupted writes listed, hostile names refused.
@Suite("directory remote: listing and deleting")
struct DirectoryListingTests {
    @Test("list with and without a prefix, more than 1,000 keys, sizes and times; delete is idempotent")
    func contract() throws {
        let sandbox = try Sandbox()
        let transport = DirectoryTransport(root: sandbox.path("remote"))
        try transport.prepare(creating: true)
        let started = try ListingContract.populate(transport, many: 1100)
        let before = transport.requestCount
        _ = try transport.list(prefix: "")
        #expect(transport.requestCount == before + 1)
        try ListingContract.check(transport, many: 1100, started: started)
        ListingContract.checkRefusals(transport)
    }

    @Test("a missing remote lists as empty, like a missing index.json reads as none")
    func missingRoot() throws {
        let sandbox = try Sandbox()
        #expect(try DirectoryTransport(root: sandbox.path("nothing")).list(prefix: "").isEmpty)
        try DirectoryTransport(root: sandbox.path("nothing")).delete("packs/x.pack")
    }

    @Test("modification times are the files' mtimes")
    func modificationTime() throws {
        let sandbox = try Sandbox()
        let transport = DirectoryTransport(root: sandbox.path("remote"))
        try transport.prepare(creating: true)
        try transport.put("packs/old.pack", bytes: [1, 2, 3])
        var times = [timespec(tv_sec: 1_700_000_000, tv_nsec: 500_000_000), timespec(tv_sec: 1_700_000_000, tv_nsec: 500_000_000)]
        #expect(utimensat(AT_FDCWD, sandbox.path("remote/packs/old.pack"), &times, 0) == 0)
        let listed = try #require(try transport.list(prefix: "packs/").first)
        #expect(listed.key == "packs/old.pack" && listed.size == 3)
        #expect(abs(listed.modified.timeIntervalSince1970 - 1_700_000_000.5) < 0.001)
    }

    @Test("symlinks are neither followed nor listed, nor are special files or the lock file; temporary files are listed")
    func whatIsListed() throws {
        let sandbox = try Sandbox()
        let root = sandbox.path("remote")
        let transport = DirectoryTransport(root: root)
        try transport.prepare(creating: true)
        try transport.put("packs/pack-a.pack", bytes: [1])
        _ = try transport.putConditionally("index.json", bytes: [2], expected: nil)
        _ = try transport.putConditionally("index.json", bytes: [3], expected: SHA256.hash([2]).hex)   // takes ROOT/.lock
        try FileSystem.createDirectories(sandbox.path("outside/deep"))
        try FileSystem.writeAtomically(sandbox.path("outside/secret"), [9, 9], durable: false)
        try FileSystem.writeAtomically(sandbox.path("outside/deep/file"), [9], durable: false)
        try FileSystem.createSymlink("\(root)/packs/pack-link.pack", target: sandbox.path("outside/secret"))
        try FileSystem.createSymlink("\(root)/packs/linked-directory", target: sandbox.path("outside"))
        try FileSystem.createSymlink("\(root)/loop", target: root)
        #expect(mkfifo("\(root)/packs/pack-fifo.pack", 0o644) == 0)
        // What an interrupted write leaves (DirectoryTransport's temporary name).
        try FileSystem.writeAtomically("\(root)/packs/pack-b.pack.tmp-123-456", [7, 7, 7], durable: false)

        #expect(FileSystem.exists("\(root)/.lock"))
        #expect(try transport.list(prefix: "").map(\.key) == ["index.json", "packs/pack-a.pack", "packs/pack-b.pack.tmp-123-456"])
        #expect(try transport.list(prefix: "packs/").map(\.size) == [1, 3])
        try transport.delete("packs/pack-b.pack.tmp-123-456")
        #expect(try transport.list(prefix: "packs/").map(\.key) == ["packs/pack-a.pack"])
        #expect(FileSystem.exists(sandbox.path("outside/secret")))
    }

    @Test("a file name that is not UTF-8 or holds a control character is refused by name", arguments: [
        ([0x70, 0x61, 0xFF, 0x6B], "'packs/pa\\xffk'") as ([UInt8], String),
        (Array("bad\nname".utf8), "control character"),
        (Array("tab\tname".utf8), "control character"),
    ])
    func hostileNames(_ name: [UInt8], _ expected: String) throws {
        let sandbox = try Sandbox()
        let root = sandbox.path("remote")
        let transport = DirectoryTransport(root: root)
        try transport.prepare(creating: true)
        try transport.put("packs/pack-a.pack", bytes: [1])
        let path = Array("\(root)/packs/".utf8) + name
        let fd = path.withUnsafeBufferPointer { buffer in
            (buffer.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(fd >= 0)
        close(fd)
        expectError({ try transport.list(prefix: "packs/") }) { error in
            guard case RemoteError.corruptRemote = error else { return false }
            return "\(error)".contains(expected) && "\(error)".contains("packs/")
        }
        // Elsewhere in the remote, it is not in the way.
        #expect(try transport.list(prefix: "index").isEmpty)
    }
}
