import DverCore
import DverServerSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Pipelines on a real Slurm cluster (slurmctld + 3 slurmd nodes on loopback, started per
/// test by scripts/slurm-cluster.sh) with bubblewrap as the runtime and the store shared
/// through a directory remote — the shared-file-system case — or SeaweedFS over S3.
@Suite("cluster executor: Slurm", .serialized,
       .enabled(if: SlurmCluster.isAvailable, "Slurm (slurmctld slurmd slurm-client munge) is not installed, or not root"),
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") && FileManager.default.isExecutableFile(atPath: "/bin/busybox"),
                "bubblewrap or busybox-static is not installed"))
struct ClusterExecutorTests {
    /// A project with `count` input files in repo `raw`, a busybox rootfs, a remote, and a
    /// pipeline `upper` running `command` (sh) per file through bubblewrap.
    final class Scene {
        let cluster: SlurmCluster
        let project: TestProject
        let remote: String
        var environment: [String: String]

        init(files count: Int, command: String = #"tr a-z A-Z < "$DVER_INPUT_RAW" > /pfs/out/$(basename "$DVER_INPUT_RAW")"#,
             tries: Int = 2, parallelism: Int = 24, remote: String? = nil, environment extra: [String: String] = [:]) throws {
            cluster = try SlurmCluster(nodes: 3, cpus: 8)
            project = try TestProject()
            environment = cluster.environment.merging(extra) { $1 }
            self.remote = remote ?? project.outside + "/remote"
            let rootfs = project.outside + "/rootfs"
            try FileManager.default.createDirectory(atPath: rootfs + "/bin", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
            for applet in ["sh", "tr", "basename", "sleep", "cat", "echo", "wc"] {
                try FileManager.default.createSymbolicLink(atPath: "\(rootfs)/bin/\(applet)", withDestinationPath: "busybox")
            }
            for index in 0..<count { try project.write("data/raw/f\(String(format: "%04d", index)).txt", "line \(index) of the input\n") }
            project.run(["add", "-q", "data/raw"])
            project.run(["commit", "-q", "-m", "inputs"])
            project.run(["remote", "add", "origin", self.remote] + (extra["DVER_TEST_ENDPOINT"].map { ["--endpoint", $0] } ?? []),
                        environment: environment)
            try project.write("upper.yaml", """
                pipeline: {name: upper}
                input:
                  pfs: {repo: raw, glob: "/*"}
                transform:
                  image: \(rootfs)
                  cmd: ["sh", "-c", \(Self.quoted(command))]
                runtime: bwrap
                datum_tries: \(tries)
                executor: {kind: slurm, parallelism: \(parallelism)}
                """)
            project.run(["pipeline", "create", "upper.yaml"], environment: environment)
        }

        static func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }

        @discardableResult
        func run(_ arguments: [String], expect: Int32? = 0, sourceLocation: SourceLocation = #_sourceLocation) -> DverResult {
            project.run(arguments, expect: expect, environment: environment, timeout: 600, sourceLocation: sourceLocation)
        }

        /// The newest job record.
        func lastJob() throws -> [String: Any] {
            let jobs = try run(["job", "list", "--json"]).jsonArray()
            let id = try #require(jobs.first?["id"] as? String)
            return try run(["job", "inspect", id, "--json"]).jsonObject()
        }

        func datums(_ job: [String: Any]) -> [[String: Any]] { job["datums"] as? [[String: Any]] ?? [] }
    }

    @Test("300 datums over 3 nodes: outputs byte-identical to the local executor's; 1 changed input dispatches exactly 1 datum")
    func manyDatums() throws {
        let scene = try Scene(files: 300)
        scene.run(["pipeline", "run", "upper"])
        let job = try scene.lastJob()
        #expect(job["executor"] as? String == "slurm")
        #expect(job["state"] as? String == "succeeded")
        let datums = scene.datums(job)
        #expect(datums.count == 300)
        #expect(datums.allSatisfy { $0["state"] as? String == "succeeded" && $0["dispatches"] as? Int == 1 })
        let nodes = Set(datums.compactMap { $0["node"] as? String })
        #expect(nodes.count >= 2, "the array spread over the nodes: \(nodes)")
        #expect(datums.allSatisfy { ($0["engine_task"] as? String)?.contains("_") == true })
        let clusterOutputs = try scene.project.hashes(under: "data/upper")
        #expect(clusterOutputs.count == 300)

        // The same pipeline with the local executor, in a project of its own (its own cache).
        let local = try TestProject()
        for index in 0..<300 { try local.write("data/raw/f\(String(format: "%04d", index)).txt", "line \(index) of the input\n") }
        local.run(["add", "-q", "data/raw"])
        local.run(["commit", "-q", "-m", "inputs"])
        try local.write("upper.yaml", try String(contentsOfFile: scene.project.path("upper.yaml"), encoding: .utf8))
        local.run(["pipeline", "create", "upper.yaml"])
        local.run(["pipeline", "run", "upper", "--executor", "local"])
        #expect(try local.hashes(under: "data/upper") == clusterOutputs)

        // One input changes: the commit's triggered job dispatches exactly that datum.
        try scene.project.write("data/raw/f0042.txt", "changed\n")
        scene.run(["add", "-q", "data/raw"])
        scene.run(["commit", "-q", "-m", "one change"])
        let second = try scene.lastJob()
        let ran = scene.datums(second).filter { $0["state"] as? String == "succeeded" && $0["dispatches"] != nil }
        #expect(ran.count == 1)
        #expect(scene.datums(second).filter { $0["state"] as? String == "skipped" }.count == 299)
        #expect(try String(decoding: scene.project.read("data/upper/f0042.txt"), as: UTF8.self) == "CHANGED\n")
    }

    @Test("a node killed mid-job (slurmd and its tasks): requeued tasks finish, every output appears once, fsck is clean")
    func nodeKilled() throws {
        let scene = try Scene(files: 48, command: #"sleep 2; tr a-z A-Z < "$DVER_INPUT_RAW" > /pfs/out/$(basename "$DVER_INPUT_RAW")"#)
        let coordinator = try scene.project.start(["pipeline", "run", "upper"], environment: scene.environment)
        var killed = false
        var arrayJob: String?
        let deadline = Date().addingTimeInterval(300)
        while coordinator.process.isRunning, Date() < deadline {
            let running = try scene.cluster.run(["squeue", "-h", "-t", "R", "-w", "n1", "-o", "%F"]).output
            if !killed, let job = running.split(separator: "\n").first {
                arrayJob = String(job)
                try scene.cluster.killNode("n1")
                killed = true
            }
            // Requeued tasks wait ~2 minutes before they may start again; release them now.
            if killed, let arrayJob { _ = try? scene.cluster.run(["scontrol", "update", "JobId=\(arrayJob)", "StartTime=now"]) }
            usleep(500_000)
        }
        let outcome = try coordinator.wait()
        #expect(killed, "no task ran on n1")
        #expect(outcome.status == 0 && !outcome.signaled, "\(outcome)")
        let job = try scene.lastJob()
        #expect(job["state"] as? String == "succeeded", "\(job["error"] ?? "")")
        let outputs = try scene.project.hashes(under: "data/upper")
        #expect(outputs.count == 48)
        for index in 0..<48 {
            let name = "f\(String(format: "%04d", index)).txt"
            #expect(try String(decoding: scene.project.read("data/upper/\(name)"), as: UTF8.self) == "LINE \(index) OF THE INPUT\n")
        }
        #expect(!scene.run(["fsck"]).stdout.contains("error"))
        // The remote is whole: push everything, clone it elsewhere, fsck the clone.
        scene.run(["push"])
        let clone = scene.project.outside + "/clone"
        scene.run(["clone", scene.remote, clone])
        #expect(try scene.project.hashes(under: clone + "/data/upper") == outputs)
        let fsck = scene.project.run(["fsck"], in: clone, environment: scene.environment)
        #expect(!fsck.stdout.contains("error"), "\(fsck)")
    }

    @Test("the coordinator SIGKILLed mid-job, then rerun: every published result is reused")
    func coordinatorKilled() throws {
        let scene = try Scene(files: 40, command: #"sleep 1; tr a-z A-Z < "$DVER_INPUT_RAW" > /pfs/out/$(basename "$DVER_INPUT_RAW")"#,
                              parallelism: 8)
        let coordinator = try scene.project.start(["pipeline", "run", "upper"], environment: scene.environment)
        let results = scene.remote + "/datums"
        let deadline = Date().addingTimeInterval(120)
        while ((try? FileManager.default.contentsOfDirectory(atPath: results))?.count ?? 0) < 10, Date() < deadline { usleep(100_000) }
        coordinator.kill(SIGKILL)
        _ = try coordinator.wait()
        let published = (try? FileManager.default.contentsOfDirectory(atPath: results))?.count ?? 0
        #expect(published >= 10)
        scene.run(["pipeline", "run", "upper"])
        let job = try scene.lastJob()
        #expect(job["state"] as? String == "succeeded")
        let reused = scene.datums(job).filter { $0["reused_from"] != nil }
        #expect(reused.count >= published, "\(reused.count) reused of \(published) published before the rerun")
        #expect(try scene.project.hashes(under: "data/upper").count == 40)
    }

    @Test("a failing datum runs datum_tries times on its node, then the job fails with its log")
    func failingDatum() throws {
        let scene = try Scene(files: 5, command: #"case "$DVER_INPUT_RAW" in *f0003.txt) echo broken >&2; exit 3;; esac; cat "$DVER_INPUT_RAW" > /pfs/out/$(basename "$DVER_INPUT_RAW")"#,
                              tries: 3)
        let result = scene.run(["pipeline", "run", "upper"], expect: 5)
        #expect(result.output.contains("failed"))
        let job = try scene.lastJob()
        #expect(job["state"] as? String == "failed")
        let failed = scene.datums(job).filter { $0["state"] as? String == "failed" }
        #expect(failed.count == 1)
        #expect(failed.first?["attempts"] as? Int == 3)
        #expect(failed.first?["exit_code"] as? Int == 3)
        let id = try #require(job["id"] as? String)
        let logs = scene.run(["logs", id]).stdout
        #expect(logs.contains("broken"))
        #expect(logs.contains("attempt 3/3"))
        #expect(!scene.project.exists("data/upper/f0000.txt"), "nothing was committed")
    }

    @Test("Ctrl-C cancels the array: nothing of it is left in squeue, nothing is committed")
    func interrupted() throws {
        let scene = try Scene(files: 12, command: "sleep 120")
        let coordinator = try scene.project.start(["pipeline", "run", "upper"], environment: scene.environment)
        let deadline = Date().addingTimeInterval(60)
        while try scene.cluster.run(["squeue", "-h", "-t", "R"]).output.isEmpty, Date() < deadline { usleep(200_000) }
        coordinator.kill(SIGINT)
        let outcome = try coordinator.wait()
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("cancelled") || outcome.stdout.contains("cancelled"), "\(outcome)")
        var left = "?"
        for _ in 0..<50 {
            left = try scene.cluster.run(["squeue", "-h"]).output
            if left.isEmpty { break }
            usleep(200_000)
        }
        #expect(left.isEmpty, "still queued: \(left)")
        #expect(try scene.lastJob()["state"] as? String == "failed")
        #expect(!scene.project.exists("data/upper/f0000.txt"))
    }

    @Test("an S3 remote (SeaweedFS): workers fetch and publish through it", .enabled(if: SeaweedServer.isAvailable, "no weed binary"))
    func s3Remote() throws {
        let server = try SeaweedServer.shared.get()
        let bucket = try server.makeBucket()
        let scene = try Scene(files: 20, remote: "s3://\(bucket)/proj",
                              environment: server.environment.merging(["DVER_TEST_ENDPOINT": server.endpoint]) { $1 })
        scene.run(["pipeline", "run", "upper"])
        let job = try scene.lastJob()
        #expect(job["state"] as? String == "succeeded", "\(job["error"] ?? "")")
        #expect(try scene.project.hashes(under: "data/upper").count == 20)
        #expect(try String(decoding: scene.project.read("data/upper/f0007.txt"), as: UTF8.self) == "LINE 7 OF THE INPUT\n")
    }
}
