@testable import DverPipeline
import DverSystem
import Foundation
import Testing

/// The spec files of `Tests/Corpus/pachyderm/`, written in Pachyderm's format: each is
/// accepted (with Pachyderm's meaning) or refused with the documented error.
@Suite("Pachyderm spec corpus")
struct PachydermCorpusTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Corpus/pachyderm").path

    static func text(_ file: String) throws -> String { try FileSystem.readText("\(directory)/\(file)") }

    static func parse(_ file: String) throws -> [PipelineSpec] {
        try SpecParser(file: file).parseAll(try text(file)).map(\.spec)
    }

    /// What each file must give: the pipelines' names, or the refusal's words.
    static let refusals: [String: String] = [
        "spout.pipeline.json": "spout is not supported",
        "service.pipeline.yaml": "service is not supported",
        "s3_gateway.pipeline.yaml": "s3",
        "sql_egress.pipeline.json": "egress to a SQL database is not supported",
        "coefficient.pipeline.json": "parallelism_spec.coefficient",
        "trigger.pipeline.json": "pfs.trigger is not supported",
        "staging_union.pipeline.json": "dver has no projects",
        "datum_batching.pipeline.json": "transform.datum_batching is not supported",
    ]
    static let accepted: [String: [String]] = [
        "word_count.pipeline.json": ["map", "reduce"],
        "inner_join.pipeline.json": ["inner_join"],
        "outer_join.pipeline.yaml": ["outer_join"],
        "group.pipeline.json": ["lab_group_by_hospital"],
        "shuffle.pipeline.json": ["shuffle"],
        "train_and_infer.pipeline.json": ["train", "infer"],
        "scraper.pipeline.yaml": ["scraper", "nightly_report"],
        "query.pipeline.json": ["query"],
        "kubernetes_fields.pipeline.yaml": ["edges"],
    ]

    @Test("every file of the corpus is listed here, and there are at least 12")
    func corpusIsCovered() throws {
        let files = Set(try FileSystem.list(Self.directory).map(\.name)).subtracting(["README.md"])
        #expect(files == Set(Self.refusals.keys).union(Self.accepted.keys))
        #expect(files.count >= 12)
    }

    @Test("accepted specs parse into their pipelines, in Pachyderm's defaults", arguments: accepted.keys.sorted())
    func acceptedSpecs(_ file: String) throws {
        let specs = try Self.parse(file)
        #expect(specs.map(\.name) == Self.accepted[file])
        for spec in specs where spec.name != "train" {
            #expect(spec.datumTries == 3, "\(spec.name): Pachyderm's default datum_tries")
        }
        // What a received copy of it must be: canonical JSON and YAML carry every field.
        for spec in specs { #expect(try PipelineSpec(received: try spec.canonicalJSON(), name: spec.name) == spec) }
    }

    @Test("refused specs name the field and say what dver does instead", arguments: refusals.keys.sorted())
    func refusedSpecs(_ file: String) throws {
        let error = try #require(throws: PipelineError.self) { try Self.parse(file) }
        guard case .invalidSpec(let name, let line, _, let problem, let hint) = error else {
            Issue.record("not a spec error: \(error)")
            return
        }
        let expected = try #require(Self.refusals[file])
        #expect(name == file && line >= 1)
        #expect("\(problem) \(hint ?? "")".contains(expected), "\(error)")
        #expect(hint?.isEmpty == false, "the refusal gives no advice: \(error)")
    }

    @Test("the shapes: multi-document JSON, concatenated JSON, a YAML list; fields mapped")
    func shapes() throws {
        let wordCount = try Self.parse("word_count.pipeline.json")
        #expect(wordCount[0].parallelism == 2 && wordCount[1].input == .pfs(PFSInput(name: "map", repo: "map", glob: "/")))

        let trainInfer = try Self.parse("train_and_infer.pipeline.json")
        let train = trainInfer[0], infer = trainInfer[1]
        #expect(train.input == .pfs(PFSInput(name: "training", repo: "training", branch: "master", glob: "/")))
        #expect(train.resources.memoryBytes == 4 << 30 && train.resources.cpus == 1.5)
        #expect(train.datumTries == 2 && train.datumTimeout == 3600 && train.jobTimeout == 7200)
        #expect(train.notes.contains { $0.contains("resource_requests") && $0.contains("not enforced") })
        #expect(train.notes.contains { $0.contains("gpu") && $0.contains("nvidia.com/gpu") })
        #expect(train.notes.contains { $0.contains("autoscaling has no effect") })
        #expect(infer.parallelism == 4 && infer.reprocess == .everyJob && infer.salt == "v2")
        #expect(infer.metadata?.annotations == ["team": "ml"] && infer.metadata?.labels == ["tier": "batch"])

        let scraper = try Self.parse("scraper.pipeline.yaml")
        guard case .cross(let inputs) = scraper[0].input, case .pfs(let urls) = inputs[0], case .cron(let tick) = inputs[1] else {
            Issue.record("scraper: \(scraper[0].input)")
            return
        }
        #expect(urls.glob == "/urls/*")
        #expect(tick == CronInput(name: "tick", repo: "scraper_tick", spec: "@every 1m"))
        #expect(scraper[0].transform.acceptReturnCodes == [4, 5, 6, 7, 8])
        guard case .cron(let nightly) = scraper[1].input else { Issue.record("nightly: \(scraper[1].input)"); return }
        #expect(nightly.overwrite && nightly.start == 1_767_225_600 && nightly.repo == "nightly_report_nightly")

        let query = try #require(try Self.parse("query.pipeline.json").first)
        #expect(query.transform.errCmd == ["sh", "-c", "echo the database is down; exit 0"])
        #expect(query.transform.secrets == [SecretReference(name: "database", key: "password", envVar: "DB_PASSWORD", mountPath: nil),
                                            SecretReference(name: "tls", key: nil, envVar: nil, mountPath: "/secrets/tls")])
        #expect(query.transform.user == "1000:1000" && query.transform.workingDirectory == "/pfs")
        #expect(query.egress == "s3://results-bucket/query" && query.datumTimeout == 60)

        let edges = try #require(try Self.parse("kubernetes_fields.pipeline.yaml").first)
        guard case .pfs(let images) = edges.input else { Issue.record("edges: \(edges.input)"); return }
        #expect(images.lazy)
        let noted = ["transform.image_pull_secrets", "scheduling_spec", "pod_patch", "tolerations", "sidecar_resource_limits", "datum_set_spec"]
        for field in noted { #expect(edges.notes.contains { $0.hasPrefix(field + " ") }, "no note for \(field): \(edges.notes)") }
    }
}

/// Each field of Pachyderm's spec, in snake_case and camelCase: the same spec, with the
/// value dver gives it.
@Suite("Pachyderm spec fields")
struct PachydermFieldTests {
    /// Where a fragment goes in the base spec.
    enum Place: Sendable { case top, transform, pfs }

    struct Case: Sendable, CustomTestStringConvertible {
        let place: Place
        let fragment: String
        let check: @Sendable (PipelineSpec) -> Bool
        var testDescription: String { fragment }
    }

    static func spec(_ place: Place, _ fragment: String) -> String {
        """
        pipeline: {name: fields}
        input:
          pfs: {repo: raw, glob: "/(*).txt"\(place == .pfs ? ", " + fragment : "")}
        transform:
          cmd: [sh, -c, "true"]
        \(place == .transform ? "  " + fragment : "")
        \(place == .top ? fragment : "")
        """
    }

    /// `join_on: x` → `joinOn: x` for every snake_case key of the fragment.
    static func camelCased(_ fragment: String) -> String {
        let pattern = try! NSRegularExpression(pattern: "\\b([a-z0-9]+(?:_[a-z0-9]+)+)(?=:)")
        var result = fragment
        for match in pattern.matches(in: fragment, range: NSRange(fragment.startIndex..., in: fragment)).reversed() {
            let range = Range(match.range(at: 1), in: result)!
            result.replaceSubrange(range, with: FieldReader.camelCase(String(result[range])))
        }
        return result
    }

    static let cases: [Case] = [
        Case(place: .top, fragment: "parallelism_spec: {constant: 3}") { $0.parallelism == 3 },
        Case(place: .top, fragment: "parallelism_spec: {constant: 0}") { $0.parallelism == 1 },
        Case(place: .top, fragment: "resource_limits: {memory: 64Mi, cpu: 500m}") { $0.resources.memoryBytes == 64 << 20 && $0.resources.cpus == 0.5 },
        Case(place: .top, fragment: "resource_limits: {memory: 2G, cpu: 2}") { $0.resources.memoryBytes == 2_000_000_000 && $0.resources.cpus == 2 },
        Case(place: .top, fragment: "resource_requests: {memory: 1Gi, disk: 10Gi}") {
            $0.resources == Resources() && $0.notes.contains { $0.contains("resource_requests.disk") }
        },
        Case(place: .top, fragment: "resource_limits: {gpu: {type: nvidia.com/gpu, number: 2}}") { $0.notes.contains { $0.contains("2 × nvidia.com/gpu") } },
        Case(place: .top, fragment: "datum_tries: 5") { $0.datumTries == 5 },
        Case(place: .top, fragment: "datum_tries: 0") { $0.datumTries == 3 },
        Case(place: .top, fragment: "datum_timeout: 90s") { $0.datumTimeout == 90 },
        Case(place: .top, fragment: "job_timeout: 1.5s") { $0.jobTimeout == 1.5 },
        Case(place: .top, fragment: "output_branch: dev") { $0.outputBranch == "dev" },
        Case(place: .top, fragment: "reprocess_spec: every_job") { $0.reprocess == .everyJob },
        Case(place: .top, fragment: "reprocess_spec: until_success") { $0.reprocess == .untilSuccess },
        Case(place: .top, fragment: "autoscaling: true") { $0.notes.contains { $0.hasPrefix("autoscaling has no effect") } },
        Case(place: .top, fragment: "autoscaling: false") { $0.notes.isEmpty },
        Case(place: .top, fragment: "egress: {URL: \"s3://bucket/out\"}") { $0.egress == "s3://bucket/out" },
        Case(place: .top, fragment: "egress: {object_storage: {url: \"s3://bucket/out\"}}") { $0.egress == "s3://bucket/out" },
        Case(place: .top, fragment: "salt: pepper") { $0.salt == "pepper" },
        Case(place: .top, fragment: "description: words") { $0.description == "words" },
        Case(place: .top, fragment: "metadata: {annotations: {team: c}, labels: {d: e}}") {
            $0.metadata?.annotations == ["team": "c"] && $0.metadata?.labels == ["d": "e"]
        },
        Case(place: .top, fragment: "maximum_expected_uptime: 600s") { $0.notes.contains { $0.hasPrefix("maximum_expected_uptime has no effect") } },
        Case(place: .top, fragment: "pod_spec: '{}'") { $0.notes.contains { $0.hasPrefix("pod_spec has no effect") } },
        Case(place: .transform, fragment: "err_cmd: [sh, -c, \"exit 0\"]") { $0.transform.errCmd == ["sh", "-c", "exit 0"] },
        Case(place: .transform, fragment: "err_stdin: [echo failed]") { $0.transform.errStdin == ["echo failed"] },
        Case(place: .transform, fragment: "accept_return_code: [1, 3]") { $0.transform.acceptReturnCodes == [1, 3] },
        Case(place: .transform, fragment: "secrets: [{name: db, key: password, env_var: DB_PASSWORD}]") {
            $0.transform.secrets == [SecretReference(name: "db", key: "password", envVar: "DB_PASSWORD", mountPath: nil)]
        },
        Case(place: .transform, fragment: "secrets: [{name: tls, mount_path: /secrets/tls}]") { $0.transform.secrets.first?.mountPath == "/secrets/tls" },
        Case(place: .transform, fragment: "user: \"1000:100\"") { $0.transform.user == "1000:100" },
        Case(place: .transform, fragment: "working_dir: /pfs/raw") { $0.transform.workingDirectory == "/pfs/raw" },
        Case(place: .transform, fragment: "image_pull_secrets: [a]") { $0.notes.contains { $0.hasPrefix("transform.image_pull_secrets") } },
        Case(place: .transform, fragment: "memory_volume: true") { $0.notes.contains { $0.hasPrefix("transform.memory_volume") } },
        Case(place: .pfs, fragment: "join_on: \"$1\"") { $0.pfsInputs.first?.joinOn == "$1" },
        Case(place: .pfs, fragment: "outer_join: true") { $0.pfsInputs.first?.outerJoin == true },
        Case(place: .pfs, fragment: "group_by: \"$1\"") { $0.pfsInputs.first?.groupBy == "$1" },
        Case(place: .pfs, fragment: "empty_files: true") { $0.pfsInputs.first?.emptyFiles == true },
        Case(place: .pfs, fragment: "lazy: true") { $0.pfsInputs.first?.lazy == true },
        Case(place: .pfs, fragment: "repo_type: user") { $0.pfsInputs.first?.repo == "raw" },
        Case(place: .pfs, fragment: "project: default") { $0.pfsInputs.first?.repo == "raw" },
        Case(place: .pfs, fragment: "commit: ABCDEF12") { $0.pfsInputs.first?.commit == "abcdef12" && $0.pfsInputs.first?.source == "raw@abcdef12" },
    ]

    @Test("snake_case and camelCase give the same spec, with the field's value", arguments: cases)
    func field(_ test: Case) throws {
        let parser = SpecParser(file: "spec.yaml")
        let snake = try parser.parse(Self.spec(test.place, test.fragment))
        var camel = try parser.parse(Self.spec(test.place, Self.camelCased(test.fragment)))
        if Self.camelCased(test.fragment) != test.fragment {
            // A camelCase key marks a Pachyderm spec: Pachyderm's datum_tries default.
            #expect(camel.datumTries == 3 || test.fragment.hasPrefix("datum_tries"))
            camel.datumTries = snake.datumTries
        }
        #expect(snake == camel)
        #expect(test.check(snake), "\(snake)")
    }

    @Test("bad values are refused with the fix", arguments: [
        (Place.top, "parallelism_spec: {constant: -1}", "parallelism_spec.constant"),
        (Place.top, "resource_limits: {memory: lots}", "bad resource_limits.memory"),
        (Place.top, "resource_limits: {cpu: 0}", "bad resource_limits.cpu"),
        (Place.top, "reprocess_spec: sometimes", "bad reprocess_spec"),
        (Place.top, "job_timeout: soon", "bad job_timeout"),
        (Place.top, "egress: {URL: \"ftp://host/x\"}", "not supported"),
        (Place.top, "parallelism: 2\nparallelism_spec: {constant: 3}", "both 'parallelism' and 'parallelism_spec'"),
        (Place.transform, "accept_return_code: [0]", "bad exit code"),
        (Place.transform, "secrets: [{name: db, env_var: X}]", "needs a key"),
        (Place.transform, "secrets: [{name: db, key: k}]", "needs env_var"),
        (Place.transform, "secrets: [{name: db, mount_path: /pfs/x}]", "bad mount_path"),
        (Place.transform, "user: \"a b\"", "bad user"),
        (Place.pfs, "repo_type: spec", "internal repos"),
        (Place.pfs, "commit: xyz", "bad commit"),
        (Place.pfs, "project: other", "no projects"),
    ] as [(Place, String, String)])
    func badValues(place: Place, fragment: String, expected: String) throws {
        let error = try #require(throws: PipelineError.self) { try SpecParser(file: "spec.yaml").parse(Self.spec(place, fragment)) }
        #expect(error.description.contains(expected), "\(error)")
    }

    @Test("cron inputs: the schedule is checked; the repo defaults to <pipeline>_<name>")
    func cron() throws {
        let parser = SpecParser(file: "spec.yaml")
        let spec = try parser.parse("pipeline: {name: report}\ninput: {cron: {name: tick, spec: \"*/15 9-17 * * mon-fri\"}}\ntransform: {cmd: [\"true\"]}\n")
        #expect(spec.input == .cron(CronInput(name: "tick", repo: "report_tick", spec: "*/15 9-17 * * mon-fri")))
        #expect(spec.inputRepos == ["report_tick"])
        for bad in ["* * *", "61 * * * *", "@every 0s", "* * * 13 *", "5-1 * * * *"] {
            let error = try #require(throws: PipelineError.self) {
                try parser.parse("pipeline: {name: r}\ninput: {cron: {name: tick, spec: \"\(bad)\"}}\ntransform: {cmd: [\"true\"]}\n")
            }
            #expect(error.description.contains("bad cron spec"), "\(bad): \(error)")
        }
    }

    @Test("a dver spec in YAML keeps dver's defaults")
    func dverDefaults() throws {
        let spec = try SpecParser(file: "spec.yaml").parse("pipeline: {name: a}\ninput: {pfs: {repo: raw}}\ntransform: {cmd: [\"true\"]}\n")
        #expect(spec.datumTries == 1 && spec.notes.isEmpty)
    }
}

@Suite("Cron schedules")
struct CronScheduleTests {
    static func date(_ text: String) -> Date { CronSchedule.parseTime(text)! }

    @Test("the next tick after a time", arguments: [
        ("*/15 * * * *", "2026-11-30T12:07:30Z", "2026-11-30T12:15:00Z"),
        ("0 2 * * *", "2026-11-30T02:00:00Z", "2026-12-01T02:00:00Z"),
        ("@hourly", "2026-11-30T12:59:59Z", "2026-11-30T13:00:00Z"),
        ("@daily", "2026-12-31T23:00:00Z", "2027-01-01T00:00:00Z"),
        ("0 9 * * mon-fri", "2026-12-04T10:00:00Z", "2026-12-07T09:00:00Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("30 4 1,15 * 5", "2026-11-30T00:00:00Z", "2026-12-01T04:30:00Z"),
        ("@every 90s", "2026-11-30T12:00:00Z", "2026-11-30T12:01:30Z"),
        ("0 12 * jun sun", "2026-11-30T00:00:00Z", "2027-06-06T12:00:00Z"),
    ])
    func next(spec: String, after: String, expected: String) throws {
        let next = try #require(try CronSchedule(spec).next(after: Self.date(after)))
        #expect(CronSchedule.tickName(next) == expected)
    }

    @Test("a schedule that never fires gives no tick")
    func never() throws {
        #expect(try CronSchedule("0 0 31 2 *").next(after: Self.date("2026-01-01T00:00:00Z")) == nil)
    }
}
