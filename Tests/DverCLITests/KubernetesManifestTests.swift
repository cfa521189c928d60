import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The Kubernetes executor as far as a machine without an API server allows: the Indexed Job
/// `pipeline run --executor kubernetes --manifest` prints is checked against the official
/// client's `batch/v1` models, and its pods' work is done for real by running the main
/// container's command here once per completion index (`JOB_COMPLETION_INDEX`), with the
/// in-container runtime's `/pfs` moved into the test's directory (`DVER_PFS_MOUNT`). A later
/// `pipeline run --executor kubernetes` then collects what the "pods" published. No cluster
/// and no kubectl take part: a run that tried to apply or watch a Job would fail.
@Suite("cluster executor: Kubernetes manifest and pods")
struct KubernetesManifestTests {
    static let image = "registry.example.com/tools/busybox:1.36"
    static let workerImage = "registry.example.com/dver/worker:0.9"
    /// Says on stderr (the datum's log) where it reads, so the test sees which mount it used.
    static let command = #"echo "reading $DVER_INPUT_RAW" >&2; tr a-z A-Z < "$DVER_INPUT_RAW" > "$DVER_OUTPUT/$(basename "$DVER_INPUT_RAW")""#

    /// A project with `count` input files in repo `raw`, a directory remote `origin`, and a
    /// pipeline `upper` upper-casing each file, with `executor` as its executor section. The
    /// runtime is `local`: where dver plans, it only names the image (the pods run in it).
    final class Scene {
        let project: TestProject
        let remote: String
        let inputs: [String: String]

        init(files count: Int, executor: String) throws {
            project = try TestProject()
            remote = project.outside + "/remote"
            var inputs = [String: String]()
            for index in 0..<count {
                let name = "f\(String(format: "%04d", index)).txt"
                inputs[name] = "line \(index) of the input\n" + String(repeating: "abc xyz \(index * 7919 % 1000)\n", count: index + 1)
                try project.write("data/raw/\(name)", inputs[name] ?? "")
            }
            self.inputs = inputs
            project.run(["add", "-q", "data/raw"])
            project.run(["commit", "-q", "-m", "inputs"])
            project.run(["remote", "add", "origin", remote])
            try project.write("upper.yaml", """
                pipeline: {name: upper}
                input:
                  pfs: {repo: raw, glob: "/*"}
                transform:
                  image: \(KubernetesManifestTests.image)
                  cmd: ["sh", "-c", \(Self.quoted(KubernetesManifestTests.command))]
                runtime: local
                executor: \(executor)
                """)
            project.run(["pipeline", "create", "upper.yaml"])
        }

        /// A YAML double-quoted scalar.
        static func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }

        /// The newest job record.
        func lastJob() throws -> [String: Any] {
            let jobs = try project.run(["job", "list", "--json"]).jsonArray()
            let id = try #require(jobs.first?["id"] as? String)
            return try project.run(["job", "inspect", id, "--json"]).jsonObject()
        }

        /// Every regular file beneath the remote, by path.
        func remoteFiles() -> [String] {
            let enumerator = FileManager.default.enumerator(atPath: remote)
            var result = [String]()
            while let name = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: "\(remote)/\(name)", isDirectory: &isDirectory), !isDirectory.boolValue {
                    result.append(name)
                }
            }
            return result.sorted()
        }
    }

    /// Fake AWS credentials in the coordinator's environment: none may reach the manifest.
    static let credentials = [
        "AWS_ACCESS_KEY_ID": "AKIAK8SMANIFESTTEST7Q",
        "AWS_SECRET_ACCESS_KEY": "kQ3v+manifest/test/secret/value/9f1c2b7e",
        "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEManifestTestSessionToken0042",
    ]

    @Test("the printed Indexed Job is a valid batch/v1 Job for the official client, holds no credential, and the check catches a misspelled or mistyped field",
          .enabled(if: KubernetesClient.isAvailable, "python3 cannot make a virtual environment with pip (python3-venv)"))
    func manifestIsBatchV1() throws {
        let scene = try Scene(files: 4, executor: """
            {kind: kubernetes, worker_image: "\(Self.workerImage)", secret: dver-remote, namespace: data-pipelines, parallelism: 3, backoff_limit_per_index: 2}
            """)
        let printed = scene.project.run(["pipeline", "run", "upper", "--executor", "kubernetes", "--manifest"],
                                        environment: Self.credentials)
        let record = try scene.lastJob()
        #expect(record["state"] as? String == "dispatched")
        let jobID = try #require(record["id"] as? String)
        let dispatched = (record["datums"] as? [[String: Any]] ?? []).count
        #expect(dispatched == 4)

        let checked = try KubernetesClient.check(printed.stdout)
        #expect(checked.status == 0, "the V1Job model did not take the manifest as printed:\n\(checked.output)\n\(printed.stdout)")

        let job = try IndexedJob(printed.stdout)
        #expect(job.apiVersion == "batch/v1" && job.kind == "Job")
        #expect(job.metadata.namespace == "data-pipelines")
        #expect(job.metadata.name.map(Self.isDNSLabel) == true, "\(job.metadata.name ?? "no name")")
        #expect(job.spec.completionMode == "Indexed")
        #expect(job.spec.completions == dispatched)
        #expect(job.spec.parallelism == 3)
        #expect(job.spec.backoffLimitPerIndex == 2)
        let pod = job.spec.template.spec
        #expect(pod.restartPolicy == "Never")

        // The init container copies dver from the worker image into an emptyDir that the main
        // container mounts, and the main container starts that copy.
        let install = try #require(pod.initContainers.first)
        #expect(pod.initContainers.count == 1)
        #expect(install.image == Self.workerImage)
        let shared = try #require(install.volumeMounts?.first)
        let volume = try #require(pod.volumes.first { $0.name == shared.name })
        #expect(volume.emptyDir != nil, "the dver volume is an emptyDir")
        #expect(install.command.first == "cp" && install.command.count == 3)
        let copied = try #require(install.command.last)
        #expect(copied.hasPrefix(shared.mountPath + "/"))
        let main = try #require(job.main)
        #expect(pod.containers.count == 1)
        #expect(main.image == Self.image)
        let mount = try #require(main.volumeMounts?.first { $0.name == shared.name })
        #expect(mount.mountPath == shared.mountPath)
        #expect(main.command.first == copied)
        #expect(Array(main.command.dropFirst()) == ["worker", "run", "--remote-url", scene.remote, "--job", jobID, "--round", "0",
                                                     "--in-container", "--task-from-env", "JOB_COMPLETION_INDEX"])
        #expect(main.envFrom?.compactMap(\.secretRef?.name) == ["dver-remote"])
        #expect(main.env?.allSatisfy { $0.value == nil } == true, "the container's variables come from the pod, not literal values")

        // No credential anywhere: not in the manifest, not in what was pushed for the workers.
        for (name, value) in Self.credentials {
            #expect(!printed.stdout.contains(value), "\(name) is in the manifest")
            #expect(!printed.stderr.contains(value), "\(name) is on stderr")
            for file in scene.remoteFiles() {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(scene.remote)/\(file)"))
                #expect(bytes.range(of: Data(value.utf8)) == nil, "\(name) is in the remote's \(file)")
            }
        }

        // The check is not vacuous: the same manifest with one field misspelled, mistyped or
        // unknown is refused, and the refusal names the field.
        let broken: [(String, String)] = [
            ("backoffLimitPerindex", try IndexedJob.edited(
                try IndexedJob.edited(printed.stdout, at: ["spec", "backoffLimitPerindex"]) { _ in 2 },
                at: ["spec", "backoffLimitPerIndex"]) { _ in nil }),
            ("completions", try IndexedJob.edited(printed.stdout, at: ["spec", "completions"]) { _ in "\(dispatched)" }),
            ("imagePulPolicy", try IndexedJob.edited(printed.stdout, at: ["spec", "template", "spec", "containers", "0", "imagePulPolicy"]) { _ in "Always" }),
        ]
        for (field, manifest) in broken {
            let result = try KubernetesClient.check(manifest)
            #expect(result.status == 1 && result.output.contains(field), "\(field): \(result.output)")
        }
    }

    @Test("the pods' work done here: each completion index runs the main container's command and publishes its datums; the next run commits them, reusing every result and dispatching nothing")
    func podsRunHere() throws {
        let scene = try Scene(files: 5, executor: """
            {kind: kubernetes, worker_image: "\(Self.workerImage)", parallelism: 2, datums_per_task: 2}
            """)
        let rootPfs = Self.linkExists("/pfs")
        let printed = scene.project.run(["pipeline", "run", "upper", "--executor", "kubernetes", "--manifest"])
        let first = try scene.lastJob()
        #expect(first["state"] as? String == "dispatched")
        let firstID = try #require(first["id"] as? String)
        #expect(!scene.project.exists("data/upper/f0000.txt"), "nothing is committed before the pods ran")
        let job = try IndexedJob(printed.stdout)
        #expect(job.spec.completions == 3, "5 datums, 2 per task")
        let command = try #require(job.main?.command)
        #expect(command.first == "/dver-bin/dver")
        #expect(command.suffix(3) == ["--in-container", "--task-from-env", "JOB_COMPLETION_INDEX"])

        // One process per completion index, as the pods would be: the Job's command (dver at
        // this build's path instead of the init container's copy), a clean environment with what
        // Kubernetes sets (JOB_COMPLETION_INDEX, the fieldRef variables), and a /pfs of its own.
        let podName = try #require(job.metadata.name)
        var pods = [RunningDver]()
        for index in 0..<job.spec.completions {
            let home = scene.project.outside + "/pod-\(index)"
            try FileManager.default.createDirectory(atPath: home + "/tmp", withIntermediateDirectories: true)
            let environment = [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                "HOME": home,
                "TMPDIR": home + "/tmp",
                "JOB_COMPLETION_INDEX": String(index),
                "DVER_NODE": "node-\(index % 2)",
                "DVER_ENGINE_TASK": "\(podName)-\(index)-x7k2q",
                "DVER_PFS_MOUNT": home + "/pfs",
            ]
            let pod = DverProcess(arguments: Array(command.dropFirst()), workingDirectory: home, timeout: 300,
                                  wrapper: ["/usr/bin/env", "-i"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
            pods.append(try pod.start())
        }
        var ran = 0
        for (index, pod) in pods.enumerated() {
            let result = try pod.wait()
            #expect(result.status == 0 && !result.signaled, "pod \(index): \(result)")
            #expect(result.stdout.hasPrefix("task \(index): "), "\(result.stdout)")
            ran += Int(result.stdout.split(separator: " ").dropFirst(2).first ?? "") ?? 0
            #expect(!Self.linkExists(scene.project.outside + "/pod-\(index)/pfs"), "the worker removed its /pfs symlink")
        }
        #expect(ran == 5)
        #expect(Self.linkExists("/pfs") == rootPfs, "the machine's own /pfs was not touched")
        #expect(scene.remoteFiles().filter { $0.hasPrefix("datums/") }.count == 5)

        // Collecting: kubectl is kept off PATH, so an attempt to dispatch or watch would fail.
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .filter { !FileManager.default.isExecutableFile(atPath: "\($0)/kubectl") }.joined(separator: ":")
        scene.project.run(["pipeline", "run", "upper", "--executor", "kubernetes"], environment: ["PATH": path, "KUBECONFIG": "/nonexistent"])
        let second = try scene.lastJob()
        #expect(second["id"] as? String != firstID)
        #expect(second["state"] as? String == "succeeded", "\(second["error"] ?? "")")
        #expect(second["executor"] as? String == "kubernetes")
        let datums = second["datums"] as? [[String: Any]] ?? []
        #expect(datums.count == 5)
        for datum in datums {
            #expect(datum["state"] as? String == "succeeded")
            #expect(datum["reused_from"] as? String == firstID, "\(datum)")
            #expect(datum["dispatches"] == nil, "nothing was dispatched: \(datum)")
            #expect((datum["engine_task"] as? String)?.hasPrefix(podName + "-") == true)
            #expect(["node-0", "node-1"].contains(datum["node"] as? String ?? ""))
        }
        for (name, text) in scene.inputs {
            let expected = Array(text.utf8).map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }
            #expect(try scene.project.read("data/upper/\(name)") == expected, "\(name)")
        }
        #expect(try scene.project.hashes(under: "data/upper").count == 5)

        // The logs came back with the results: each datum read through its pod's own mount.
        let secondID = try #require(second["id"] as? String)
        let logs = scene.project.run(["logs", secondID]).stdout
        let reads = logs.split(separator: "\n").filter { $0.hasPrefix("reading ") }
        #expect(reads.count == 5, "\(logs)")
        #expect(reads.allSatisfy { $0.hasPrefix("reading \(scene.project.outside)/pod-") && $0.contains("/pfs/raw/f") }, "\(logs)")
    }

    @Test("a kubernetes executor without worker_image fails with a message naming the setting, before anything is pushed")
    func missingWorkerImage() throws {
        let scene = try Scene(files: 2, executor: "{kind: kubernetes, parallelism: 2}")
        let printed = scene.project.run(["pipeline", "run", "upper", "--executor", "kubernetes", "--manifest"], expect: 5)
        #expect(printed.stdout.isEmpty, "no manifest is printed")
        #expect(printed.stderr.contains("executor.worker_image is not set"), "\(printed)")
        let applied = scene.project.run(["pipeline", "run", "upper", "--executor", "kubernetes"], expect: 5)
        #expect(applied.output.contains("executor.worker_image is not set"), "\(applied)")
        #expect(try scene.lastJob()["state"] as? String == "failed")
        #expect(scene.remoteFiles().isEmpty, "nothing was pushed: \(scene.remoteFiles())")
    }

    static func isDNSLabel(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 63 && name.first != "-" && name.last != "-"
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// Whether a file of any kind (a dangling symlink included) is at `path`.
    static func linkExists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }
}
