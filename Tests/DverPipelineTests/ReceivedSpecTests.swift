@testable import DverPipeline
import DverCore
import Foundation
import Testing

/// Specs as they travel through remotes: the canonical JSON a push sends, and the checks a
/// received spec passes before it may be saved (`PipelineSpec(received:name:)`).
@Suite("Received specs")
struct ReceivedSpecTests {
    static let parser = SpecParser(file: "pipelines/spec.yaml")

    /// Specs as users write them, covering every field, every input kind and awkward strings.
    static let specFiles: [String] = [
        PipelineProject.localSpec(name: "upper", cmd: "tr a-z A-Z < $DVER_INPUT_RAW > $DVER_OUTPUT/x"),
        """
        pipeline: {name: full.spec_2}
        description: "Quotes \\" and 'single', a tab\\t, a bell \\a, DEL \\x7f, ünïcödé, emoji 🦀, and # not a comment"
        input:
          cross:
            - pfs: {repo: raw, glob: "/(*)/[a-z]?*.csv", branch: dev, name: left}
            - union:
                - pfs: {repo: labels, glob: "/**"}
                - pfs: {repo: extra, glob: "/", name: labels}
        transform:
          image: localhost/busybox:latest
          cmd: ["sh", "-c", "echo 'a: b' \\"$X\\" > /pfs/out/x", "", "null", "true", "12"]
          stdin: ["line one", "", "- dash", "{brace}"]
          env: {MODE: fast, LEVEL: 3, EMPTY: "", ODD: "a\\nb\\u0001"}
          working_dir: /pfs/left
          network: true
        runtime: bwrap
        parallelism: 256
        datum_tries: 100
        datum_timeout: 1h30m500ms
        resources: {memory: 1.3G, cpus: 0.25}
        output_branch: results
        executor: {kind: slurm, remote: origin, parallelism: 64, datums_per_task: 2, partition: cpu, account: lab, time: 90m,
                   sbatch_args: ["--mem=4G", "--gres=gpu:1"], dver_path: /opt/dver/bin/dver, namespace: data, secret: s3-keys,
                   worker_image: "registry.example/dver-static:0.1", backoff_limit_per_index: 2}
        """,
        """
        name: joined
        input:
          join:
            - pfs: {repo: images, glob: "/(*).png", join_on: "$1"}
            - pfs: {repo: labels, glob: "/(*)-(*).json", join_on: "$2-$1"}
        transform: {cmd: ["true"]}
        datum_timeout: 0.5
        resources: {memory: 1048576}
        """,
        """
        pipeline: {name: pachyderm-fields}
        input:
          cross:
            - join:
                - pfs: {repo: a, glob: "/(*).txt", join_on: "$1", outer_join: true, empty_files: true, lazy: true}
                - pfs: {repo: b, glob: "/(*).txt", join_on: "$1", commit: 0123abcd}
            - group:
                - pfs: {repo: c, glob: "/(*)-*.txt", group_by: "$1"}
            - cron: {name: tick, spec: "@every 90s", overwrite: true, start: "2026-01-01T00:00:00Z"}
        transform:
          cmd: [sh]
          err_cmd: [sh, -c, "exit 0"]
          err_stdin: [echo recovered]
          accept_return_code: [1, 4]
          secrets: [{name: db, key: password, env_var: DB_PASSWORD}, {name: tls, mount_path: /secrets/tls}]
          user: "1000:1000"
        job_timeout: 10m
        reprocess_spec: every_job
        egress: {URL: "s3://bucket/out"}
        salt: pepper
        metadata: {annotations: {team: data}, labels: {tier: "1"}}
        notes: ["a note"]
        """,
    ]

    @Test("a spec travels as its canonical JSON, named by its spec hash, and comes back identical", arguments: specFiles)
    func roundTrip(_ yaml: String) throws {
        let spec = try Self.parser.parse(yaml)
        let bytes = try spec.canonicalJSON()
        #expect(SHA256.hash(bytes) == spec.hash)
        let received = try PipelineSpec(received: bytes, name: spec.name)
        #expect(received == spec)
        // The YAML `inspect` shows for it reads back as the same spec.
        #expect(try Self.parser.parse(try received.yamlText()) == spec)
    }

    @Test("every field of the JSON encoding is one the YAML form writes")
    func yamlCoversEveryField() throws {
        var keys = Set<String>()
        for file in Self.specFiles {
            let spec = try Self.parser.parse(file)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(try spec.canonicalJSON())) as? [String: Any])
            keys.formUnion(object.keys)
        }
        #expect(keys == Set(PipelineSpec.yamlFields))
    }

    /// A received spec that must be refused, and what the refusal must say.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let listedAs: String
        let bytes: @Sendable () throws -> [UInt8]
        let expected: String
    }

    static func valid(_ change: (inout PipelineSpec) -> Void = { _ in }) throws -> PipelineSpec {
        var spec = try parser.parse(PipelineProject.localSpec(name: "clean", cmd: "true"))
        change(&spec)
        return spec
    }

    static func json(_ change: @escaping @Sendable (inout PipelineSpec) -> Void) -> @Sendable () throws -> [UInt8] {
        { try valid(change).canonicalJSON() }
    }

    /// The canonical JSON of a valid spec with `old` replaced by `new` in its text.
    static func edited(_ old: String, _ new: String) -> @Sendable () throws -> [UInt8] {
        {
            let text = String(decoding: try valid().canonicalJSON(), as: UTF8.self)
            try #require(text.contains(old), "\(old) not in \(text)")
            return Array(text.replacingOccurrences(of: old, with: new).utf8)
        }
    }

    static let refusals: [Refusal] = [
        Refusal(testDescription: "not JSON", listedAs: "clean", bytes: { Array("pipeline: {name: clean}".utf8) }, expected: "not a pipeline spec"),
        Refusal(testDescription: "JSON without a transform", listedAs: "clean", bytes: edited(",\"transform\":", ",\"other\":"),
                expected: "not a pipeline spec"),
        Refusal(testDescription: "named differently from its listing", listedAs: "other", bytes: json { _ in }, expected: "it names pipeline 'clean'"),
        Refusal(testDescription: "pretty-printed (not canonical)", listedAs: "clean", bytes: edited("{\"datum_tries\"", "{ \"datum_tries\""),
                expected: "canonical form"),
        Refusal(testDescription: "an unknown field", listedAs: "clean", bytes: edited("{\"datum_tries\"", "{\"cluster\":1,\"datum_tries\""),
                expected: "canonical form"),
        Refusal(testDescription: "output repo ../x", listedAs: "../x", bytes: json { $0.name = "../x" }, expected: "bad name '../x'"),
        Refusal(testDescription: "output repo .dver", listedAs: ".dver", bytes: json { $0.name = ".dver" }, expected: "bad name '.dver'"),
        Refusal(testDescription: "input repo a/b", listedAs: "clean", bytes: json { $0.input = .pfs(PFSInput(name: "raw", repo: "a/b")) },
                expected: "bad repo 'a/b'"),
        Refusal(testDescription: "glob without a leading /", listedAs: "clean",
                bytes: json { $0.input = .pfs(PFSInput(name: "raw", repo: "raw", glob: "*.csv")) }, expected: "cannot express"),
        Refusal(testDescription: "glob with an open group", listedAs: "clean",
                bytes: json { $0.input = .pfs(PFSInput(name: "raw", repo: "raw", glob: "/(*")) }, expected: "bad glob '/(*'"),
        Refusal(testDescription: "branch ../main", listedAs: "clean",
                bytes: json { $0.input = .pfs(PFSInput(name: "raw", repo: "raw", branch: "../main")) }, expected: "bad branch '../main'"),
        Refusal(testDescription: "output branch x/../y", listedAs: "clean", bytes: json { $0.outputBranch = "x/../y" }, expected: "bad output_branch"),
        Refusal(testDescription: "an input named out", listedAs: "clean", bytes: json { $0.input = .pfs(PFSInput(name: "out", repo: "raw")) },
                expected: "cannot be named 'out'"),
        Refusal(testDescription: "a join of a cross", listedAs: "clean",
                bytes: json { $0.input = .join([.cross([.pfs(PFSInput(name: "raw", repo: "raw"))])]) }, expected: "join input"),
        Refusal(testDescription: "an empty cmd", listedAs: "clean", bytes: json { $0.transform.cmd = [] }, expected: "'cmd' is empty"),
        Refusal(testDescription: "a relative working_dir", listedAs: "clean", bytes: json { $0.transform.workingDirectory = "pfs" },
                expected: "working_dir must be an absolute path"),
        Refusal(testDescription: "an env name with =", listedAs: "clean", bytes: json { $0.transform.env = ["A=B": "x"] },
                expected: "bad environment variable name"),
        Refusal(testDescription: "parallelism 0", listedAs: "clean", bytes: json { $0.parallelism = 0 }, expected: "'parallelism'"),
        Refusal(testDescription: "a negative timeout", listedAs: "clean", bytes: json { $0.datumTimeout = -1 }, expected: "datum_timeout"),
        Refusal(testDescription: "memory no spec file can give (2^59 + 1 bytes)", listedAs: "clean",
                bytes: json { $0.resources.memoryBytes = (1 << 59) + 1 }, expected: "values a spec file cannot express"),
    ]

    @Test("a received spec is refused, naming the problem", arguments: refusals)
    func refused(_ refusal: Refusal) throws {
        let bytes = try refusal.bytes()
        let error = try #require(throws: PipelineError.self) { try PipelineSpec(received: bytes, name: refusal.listedAs) }
        guard case .unacceptableSpec(let name, let problem) = error else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(name == refusal.listedAs)
        #expect(problem.contains(refusal.expected), "\(problem)")
    }
}
