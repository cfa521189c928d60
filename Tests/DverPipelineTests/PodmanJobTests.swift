@testable import DverPipeline
import DverSystem
import Foundation
import Testing

@Suite("Jobs in podman and docker", .enabled(if: Tools.podman, "needs podman, runc and busybox-static (scripts/test.sh installs them)"), .serialized)
struct PodmanJobTests {
    static func spec(_ name: String, cmd: String, input: String? = nil, extra: String = "") throws -> String {
        """
        pipeline: {name: \(name)}
        input:
        \(input ?? "  pfs: {repo: raw, glob: \"/*\"}")
        transform:
          image: \(try Busybox.podmanImage.get())
          cmd: ["sh", "-c", \(PipelineProject.jsonString(cmd))]
        runtime: podman
        \(extra)
        """
    }

    @Test("datums run as containers: output bytes, read-only inputs, no network; one changed file → one container")
    func outputsAndIncrements() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "alpha\n", "data/raw/b.txt": "beta\n", "data/raw/c.txt": "gamma\n"])
        try project.commit()
        let cmd = """
        f=$(ls /pfs/raw); tr a-z A-Z < /pfs/raw/$f > /pfs/out/$f
        touch /pfs/raw/x 2>/dev/null && echo writable > /pfs/out/bad
        tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' > /pfs/out/$f.net
        """
        try project.create(try Self.spec("upper", cmd: cmd, extra: "parallelism: 2\nresources: {memory: 256M, cpus: 1}"))
        let first = try project.run("upper")
        #expect(first.state == .succeeded, "\(first.error ?? "")")
        #expect(first.runtime == "podman" && first.count(.succeeded) == 3)
        let files = try project.files("upper")
        #expect(files["a.txt"] == "ALPHA\n" && files["c.txt"] == "GAMMA\n" && files["bad"] == nil)
        #expect(files["a.txt.net"] == "lo\n")

        try project.write("data/raw/b.txt", "bravo\n")
        let second = try #require(try project.commitAndTrigger().first)
        #expect(second.count(.succeeded) == 1 && second.count(.skipped) == 2)
        #expect(try project.files("upper")["b.txt"] == "BRAVO\n")
    }

    @Test("a failing first attempt is retried; a timeout kills and removes the container")
    func retriesAndTimeouts() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        try project.create(try Self.spec("flaky", cmd: "[ \"$DVER_ATTEMPT\" -ge 2 ] || { echo attempt $DVER_ATTEMPT fails; exit 4; }; cp /pfs/raw/a.txt /pfs/out/",
                                         extra: "datum_tries: 2"), file: "flaky.yaml")
        let flaky = try project.run("flaky")
        #expect(flaky.state == .succeeded, "\(flaky.error ?? "")")
        #expect(flaky.datums[0].attempts == 2)
        let log = try FileSystem.readText(project.runner.jobs.logPath(job: flaky.id, datum: flaky.datums[0].id))
        #expect(log.contains("attempt 1 fails"))

        try project.create(try Self.spec("slow", cmd: "sleep 60", extra: "datum_timeout: 2s"), file: "slow.yaml")
        let start = Date()
        let slow = try project.run("slow")
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(slow.state == .failed && slow.datums[0].timedOut)
        let left = try ChildProcess.capture(["podman", "ps", "-a", "--filter", "name=dver-\(slow.id)", "--format", "{{.Names}}"])
        #expect(left.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "left behind: \(left.output)")
    }

    @Test("cross inputs and a chained pipeline, all in containers")
    func crossAndChain() throws {
        let project = try PipelineProject.make(["data/raw/a": "a", "data/raw/b": "b", "data/other/x": "x", "data/other/y": "y"])
        try project.commit("both", ["data/raw", "data/other"])
        try project.create(try Self.spec("pairs", cmd: "echo $(cat /pfs/raw/*)$(cat /pfs/other/*) > /pfs/out/$(cat /pfs/raw/*)$(cat /pfs/other/*)", input: """
          cross:
            - pfs: {repo: raw, glob: "/*"}
            - pfs: {repo: other, glob: "/*"}
        """), file: "pairs.yaml")
        try project.create(try Self.spec("joined", cmd: "cat /pfs/pairs/* | sort | tr -d '\\n' > /pfs/out/all", input: "  pfs: {repo: pairs, glob: \"/\"}"),
                           file: "joined.yaml")
        try project.write("data/other/z", "z")
        let jobs = try project.commitAndTrigger("z", ["data/other"])
        #expect(jobs.map(\.pipeline) == ["pairs", "joined"])
        #expect(jobs.allSatisfy { $0.state == .succeeded }, "\(jobs.map { $0.error ?? "" })")
        #expect(jobs[0].datums.count == 6)
        #expect(try project.files("joined") == ["all": "axayazbxbybz"])
    }

    @Test("podman with its default flags either works or fails with an explanation, not a bare exit code")
    func defaultFlagsAreDiagnosed() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DVER_PODMAN_ARGS"] = ""
        let podman = OCIRuntime(tool: .podman, environment: environment)
        let directory = NSTemporaryDirectory() + "dver-podman-defaults-\(UUID().uuidString)"
        try FileSystem.createDirectories("\(directory)/pfs/out")
        defer { try? FileSystem.removeTree(directory) }
        var transform = Transform()
        transform.image = try Busybox.podmanImage.get()
        transform.cmd = ["true"]
        let outcome = try podman.run(DatumExecution(jobID: "defaults", datumID: UUID().uuidString.lowercased(), pfsDirectory: "\(directory)/pfs",
                                                    inputNames: [], environment: [:], transform: transform, resources: Resources(), timeout: 60,
                                                    stdinPath: nil, logPath: "\(directory)/log", image: try podman.prepare(transform), attempt: 1))
        if !outcome.succeeded {
            let log = try FileSystem.readText("\(directory)/log")
            let diagnosis = try #require(podman.diagnose(outcome, log: log), "unexplained failure: \(log)")
            #expect(diagnosis.contains("runc") || diagnosis.contains("cgroupfs"), "\(diagnosis)")
        }
    }

    @Test("a missing image is a clear error with the fix")
    func missingImage() throws {
        var transform = Transform()
        transform.image = "localhost/no-such-image:1"
        let error = try #require(throws: PipelineError.self) { try OCIRuntime(tool: .podman).prepare(transform) }
        #expect(error.description.contains("not in podman's local storage") && error.description.contains("podman import"), "\(error)")
    }

    @Test("bwrap runs an image podman exports to a rootfs", .enabled(if: Tools.bwrap))
    func bwrapFromImage() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "abc\n"])
        try project.commit()
        try project.create(try Self.spec("rev", cmd: "tr a-z A-Z < /pfs/raw/a.txt > /pfs/out/a.txt").replacingOccurrences(of: "runtime: podman", with: "runtime: bwrap"))
        let job = try project.run("rev")
        #expect(job.state == .succeeded && job.runtime == "bwrap", "\(job.error ?? "")")
        #expect(try project.files("rev") == ["a.txt": "ABC\n"])
    }

    @Test("the docker runtime runs a datum through a Docker API (podman system service)", .enabled(if: Tools.has("docker")))
    func dockerThroughPodmanService() throws {
        let directory = NSTemporaryDirectory() + "dver-docker-\(UUID().uuidString)"
        try FileSystem.createDirectories("\(directory)/pfs/raw")
        try FileSystem.createDirectories("\(directory)/pfs/out")
        defer { try? FileSystem.removeTree(directory) }
        try FileSystem.writeAtomically("\(directory)/containers.conf", text: """
        [containers]
        default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
        [engine]
        runtime = "runc"
        cgroup_manager = "cgroupfs"
        events_logger = "file"
        """, durable: false)
        try FileSystem.writeAtomically("\(directory)/pfs/raw/in.txt", text: "docker\n", durable: false)
        let image = try Busybox.podmanImage.get()
        let socket = "\(directory)/podman.sock"
        var environment = ProcessInfo.processInfo.environment
        environment["CONTAINERS_CONF"] = "\(directory)/containers.conf"
        let service = Process()
        service.executableURL = URL(fileURLWithPath: try #require(ChildProcess.find("podman")))
        service.arguments = ["system", "service", "--time=0", "unix://\(socket)"]
        service.environment = environment
        try service.run()
        defer {
            service.terminate()
            service.waitUntilExit()
        }
        for _ in 0..<100 where !FileSystem.exists(socket) { usleep(50_000) }
        environment["DOCKER_HOST"] = "unix://\(socket)"
        let docker = OCIRuntime(tool: .docker, environment: environment)
        var transform = Transform()
        transform.image = image
        transform.cmd = ["sh", "-c", "tr a-z A-Z < /pfs/raw/in.txt > /pfs/out/out.txt"]
        let prepared = try docker.prepare(transform)
        #expect(prepared.identity.hasPrefix("sha256:"))
        let outcome = try docker.run(DatumExecution(jobID: "test", datumID: "0123456789abcdef", pfsDirectory: "\(directory)/pfs", inputNames: ["raw"],
                                                    environment: [:], transform: transform, resources: Resources(), timeout: 60, stdinPath: nil,
                                                    logPath: "\(directory)/log", image: prepared, attempt: 1))
        #expect(outcome.succeeded, "\((try? FileSystem.readText("\(directory)/log")) ?? "")")
        #expect(try FileSystem.readText("\(directory)/pfs/out/out.txt") == "DOCKER\n")
    }
}

@Suite("Runtime errors")
struct RuntimeErrorTests {
    @Test("docker without a reachable daemon says so and how to fix it", .enabled(if: Tools.has("docker")))
    func dockerWithoutDaemon() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
        var transform = Transform()
        transform.image = "busybox"
        let error = try #require(throws: PipelineError.self) { try OCIRuntime(tool: .docker, environment: environment).prepare(transform) }
        guard case .runtimeUnavailable(let runtime, let reason, let hint) = error else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(runtime == "docker" && reason.contains("no Docker daemon answers at unix:///nonexistent/docker.sock"))
        #expect(hint.contains("DOCKER_HOST"))
    }

    @Test("podman's rlimit and cgroup failures are explained")
    func podmanDiagnosis() {
        let runtime = OCIRuntime(tool: .podman)
        let outcome = ProcessOutcome(exitCode: 126, signal: nil, timedOut: false, seconds: 0.1)
        let rlimit = runtime.diagnose(outcome, log: "Error: crun: setrlimit `RLIMIT_NPROC`: Operation not permitted: OCI permission denied")
        #expect(rlimit?.contains("runc") == true && rlimit?.contains("CONTAINERS_CONF") == true)
        let cgroup = runtime.diagnose(ProcessOutcome(exitCode: 125, signal: nil, timedOut: false, seconds: 0.1),
                                      log: "Error: cannot set up cgroup: no such file")
        #expect(cgroup?.contains("cgroupfs") == true)
        #expect(runtime.diagnose(ProcessOutcome(exitCode: 1, signal: nil, timedOut: false, seconds: 0.1), log: "Error: x") == nil)
    }

    @Test("bwrap: a missing tool or rootfs directory is named with the fix")
    func bwrapSetupErrors() throws {
        var transform = Transform()
        transform.image = "./no-rootfs-here"
        if Tools.has("bwrap") {
            let error = try #require(throws: PipelineError.self) {
                try BubblewrapRuntime(projectRoot: "/nonexistent", rootfsCache: "/nonexistent").prepare(transform)
            }
            #expect(error.description.contains("rootfs directory /nonexistent/./no-rootfs-here does not exist"), "\(error)")
        } else {
            let error = try #require(throws: PipelineError.self) {
                try BubblewrapRuntime(projectRoot: "/nonexistent", rootfsCache: "/nonexistent").prepare(transform)
            }
            #expect(error.description.contains("scripts/setup.sh bubblewrap"))
        }
    }
}
