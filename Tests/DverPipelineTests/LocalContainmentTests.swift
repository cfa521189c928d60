@testable import DverPipeline
import DverSystem
import Foundation
import Testing

/// The local runtime leaves no process of a datum behind: not its background jobs, not those
/// that called setsid, not double-forked daemons — when the datum exits and when it times out.
@Suite("Local runtime: process containment")
struct LocalContainmentTests {
    /// A sleep duration unique to one test ("300.<digits>"), which names its processes in /proc.
    static func marker() -> String { "300.\(UInt32.random(in: 100_000_000...999_999_999))" }

    /// Starts three sleeps that try to outlive the command: in the background of its process
    /// group, in a new session, and double-forked into a new session (its parent exits at once).
    static func escapes(_ marker: String) -> String {
        """
        sleep \(marker) &
        setsid sleep \(marker) &
        sh -c 'setsid sh -c "sleep \(marker); :" & exit 0' &
        """
    }

    /// Live processes whose command line contains `marker` (zombies have an empty one).
    static func processes(_ marker: String) -> [pid_t] {
        let names = (try? FileSystem.list("/proc").map(\.name)) ?? []
        return names.compactMap { name in
            guard let pid = pid_t(name), let bytes = try? FileSystem.readFile("/proc/\(name)/cmdline") else { return nil }
            return String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(marker) ? pid : nil
        }
    }

    /// Kills what a failing run left, so the failure does not leak processes.
    static func expectNone(_ marker: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let left = processes(marker)
        #expect(left.isEmpty, "processes left running: \(left)", sourceLocation: sourceLocation)
        for pid in left { kill(pid, SIGKILL) }
    }

    @Test("a datum's background, setsid and double-forked processes are killed when it exits; a parallel datum's are not touched")
    func killedAtExit() throws {
        let marker = Self.marker()
        defer { Self.expectNone(marker) }
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n", "data/raw/b.txt": "b\n"])
        try project.commit()
        // Datum a leaves its sleeps behind at once; datum b needs its own background process
        // to run to its end meanwhile (a's clean-up must not reach it).
        let cmd = """
        f=$(ls $DVER_PFS/raw)
        if [ $f = a.txt ]; then
        \(Self.escapes(marker))
        echo started > $DVER_OUTPUT/a.out
        else
        (sleep 1; echo finished > $DVER_OUTPUT/b.out) &
        wait $!
        fi
        """
        try project.create(PipelineProject.localSpec(name: "leaky", cmd: cmd, extra: "parallelism: 2"))
        let job = try project.run("leaky")
        #expect(job.state == .succeeded, "\(job.error ?? "")")
        #expect(try project.files("leaky") == ["a.out": "started\n", "b.out": "finished\n"])
    }

    @Test("a datum killed at datum_timeout takes every process it started with it")
    func killedAtTimeout() throws {
        let marker = Self.marker()
        defer { Self.expectNone(marker) }
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "stuck", cmd: Self.escapes(marker) + "sleep 30\n", extra: "datum_timeout: 1s"))
        let job = try project.run("stuck")
        #expect(job.state == .failed)
        #expect(job.datums.first?.timedOut == true)
    }

    @Test("without /proc/<pid>/task/<tid>/children the helper finds its children by scanning /proc", arguments: [false, true])
    func scanFallback(timesOut: Bool) throws {
        let marker = Self.marker()
        defer { Self.expectNone(marker) }
        let directory = NSTemporaryDirectory() + "dver-contained-\(UUID().uuidString)"
        try FileSystem.createDirectories(directory)
        defer { try? FileSystem.removeTree(directory) }
        let outcome = try ChildProcess.runContained(["sh", "-c", Self.escapes(marker) + (timesOut ? "sleep 30" : "exit 3")],
                                                    environment: ProcessInfo.processInfo.environment, logPath: "\(directory)/log",
                                                    timeout: timesOut ? 1 : nil, listing: .scanProc)
        #expect(outcome.timedOut == timesOut)
        #expect(outcome.exitCode == (timesOut ? nil : 3))
    }
}
