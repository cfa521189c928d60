import DverCore
import DverRemote
import DverRepository
import DverSystem
import Foundation
import Testing

/// A pushed remote checked by `RemoteFsck`, then damaged one way and checked again.
enum RemoteFsckScenario {
    static let files = DirectoryRemoteTests.files

    /// Pushes a project with `files` and a pipeline spec `clean` through `remote`.
    static func push(_ source: TestProject, _ remote: Remote) throws {
        _ = try source.push(remote, catalog: MemorySpecCatalog(["clean": "v1"]))
    }

    static func fsck(_ remote: Remote, sample: Double, scratch: String) throws -> RemoteFsckReport {
        try RemoteFsck(remote: remote, sample: sample, temporaryDirectory: scratch).run()
    }

    /// The remote is healthy, then `damage` is done and reported as it must be.
    static func check(_ damage: RemoteDamage, remote: Remote, scratch: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try fsck(remote, sample: damage.sample, scratch: scratch)
        #expect(before.isHealthy && before.unreferenced.isEmpty, "before the damage: \(before.errors)", sourceLocation: sourceLocation)
        let expected = try damage.apply(remote)
        let report = try fsck(remote, sample: damage.sample, scratch: scratch)
        if expected.isEmpty {
            #expect(report.isHealthy, "\(report.errors)", sourceLocation: sourceLocation)
            #expect(report.unreferenced.map(\.key) == ["packs/pack-\(String(repeating: "ab", count: 32)).pack"], sourceLocation: sourceLocation)
            #expect(report.unreferenced.first?.size == 1234, sourceLocation: sourceLocation)
        } else {
            #expect(!report.isHealthy, sourceLocation: sourceLocation)
            for text in expected {
                #expect(report.errors.contains { $0.contains(text) }, "no error mentions \(text): \(report.errors)", sourceLocation: sourceLocation)
            }
        }
        #expect(try FileSystem.list(scratch).isEmpty, "whole-pack downloads are deleted", sourceLocation: sourceLocation)
    }
}

/// `RemoteFsck` on directory remotes.
@Suite("remote fsck: directory remote")
struct RemoteFsckTests {
    /// A project pushed to the directory remote `remote` (with a spec), and a scratch directory.
    static func pushed() throws -> (sandbox: Sandbox, remote: Remote, scratch: String) {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: RemoteFsckScenario.files)
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))
        try RemoteFsckScenario.push(source, remote)
        try FileSystem.createDirectories(sandbox.path("scratch"))
        return (sandbox, remote, sandbox.path("scratch"))
    }

    @Test("a healthy remote passes; the default sample reads a few records, sample 1 every record of every pack")
    func healthy() throws {
        let (sandbox, remote, scratch) = try Self.pushed()
        defer { withExtendedLifetime(sandbox) {} }
        let sampled = try RemoteFsckScenario.fsck(remote, sample: RemoteFsck.defaultSample, scratch: scratch)
        #expect(sampled.isHealthy && sampled.errors.isEmpty && sampled.unreferenced.isEmpty)
        #expect(sampled.branches == 2 && sampled.commits == 2 && sampled.specs == 1)
        #expect(sampled.packs >= 2 && sampled.packsReadWhole == 0)
        #expect(sampled.reachableObjects > 10)
        #expect(sampled.recordsVerified > 0 && sampled.recordsVerified < sampled.packRecords)

        let whole = try RemoteFsckScenario.fsck(remote, sample: 1, scratch: scratch)
        #expect(whole.isHealthy)
        #expect(whole.packsReadWhole == whole.packs)
        #expect(whole.recordsVerified == whole.packRecords)
        #expect(whole.reachableObjects == sampled.reachableObjects)
        #expect(whole.bytesVerified > sampled.bytesVerified)
    }

    @Test("each kind of damage is reported by name", arguments: RemoteDamage.all)
    func damage(_ damage: RemoteDamage) throws {
        let (sandbox, remote, scratch) = try Self.pushed()
        defer { withExtendedLifetime(sandbox) {} }
        try RemoteFsckScenario.check(damage, remote: remote, scratch: scratch)
    }

    @Test("the temporary file of an interrupted write is reported as unreferenced, with its size and age")
    func interruptedWrite() throws {
        let (sandbox, remote, scratch) = try Self.pushed()
        defer { withExtendedLifetime(sandbox) {} }
        let name = "packs/pack-\(String(repeating: "cd", count: 32)).pack.tmp-4242-17"
        try FileSystem.writeAtomically(sandbox.path("remote/\(name)"), [UInt8](repeating: 1, count: 300), durable: false)
        var times = [timespec(tv_sec: time(nil) - 7200, tv_nsec: 0), timespec(tv_sec: time(nil) - 7200, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, sandbox.path("remote/\(name)"), &times, 0) == 0)
        let report = try RemoteFsckScenario.fsck(remote, sample: RemoteFsck.defaultSample, scratch: scratch)
        #expect(report.isHealthy)
        let leftover = try #require(report.unreferenced.first)
        #expect(leftover.key == name && leftover.size == 300)
        #expect(abs(Date().timeIntervalSince(leftover.modified) - 7200) < 60)
    }

    @Test("an empty directory is not a remote; a damaged index.json stops the check")
    func unusable() throws {
        let sandbox = try Sandbox()
        let project = try sandbox.project("project")
        try FileSystem.createDirectories(sandbox.path("empty"))
        let empty = try project.addRemote("empty", url: sandbox.path("empty"))
        expectError({ try RemoteFsckScenario.fsck(empty, sample: 1, scratch: sandbox.root) }) { error in
            if case RemoteError.emptyRemote = error { return true }
            return false
        }
        try FileSystem.writeAtomically(sandbox.path("empty/index.json"), Array("{\"format\": 1}".utf8), durable: false)
        expectError({ try RemoteFsckScenario.fsck(empty, sample: 1, scratch: sandbox.root) }) { error in
            if case RemoteError.corruptRemote = error { return "\(error)".contains("index.json") }
            return false
        }
    }

    @Test("a remote referencing thousands of missing objects keeps the first 500 errors and counts the rest")
    func manyMissing() throws {
        let (sandbox, remote, scratch) = try Self.pushed()
        defer { withExtendedLifetime(sandbox) {} }
        try RemoteDamage.rewriteIndex(remote) { index in
            for number in 0..<700 { index.repos["raw"]?.branches["b\(number)"] = SHA256.hash(Array("missing \(number)".utf8)).hex }
        }
        let report = try RemoteFsckScenario.fsck(remote, sample: RemoteFsck.defaultSample, scratch: scratch)
        #expect(report.errors.count == RemoteFsck.maximumErrors)
        #expect(report.errorsNotListed == 200)
        #expect(!report.isHealthy)
    }
}
