import Foundation
import Testing

/// The pipeline commands end to end through the `dver` binary, with the local runtime (runs
/// wherever `sh` does); the DverPipelineTests suites cover bwrap and podman.
@Suite("CLI: pipelines")
struct PipelineCommandTests {
    static func spec(_ name: String, repo: String = "raw", cmd: String, extra: String = "") -> String {
        let quoted = String(decoding: (try? JSONEncoder().encode(cmd)) ?? Data(), as: UTF8.self)
        return """
        pipeline: {name: \(name)}
        input:
          pfs: {repo: \(repo), glob: "/*"}
        transform:
          cmd: ["sh", "-c", \(quoted)]
        runtime: local
        \(extra)
        """
    }

    static let upper = "for f in $DVER_PFS/raw/*; do tr a-z A-Z < $f > $DVER_OUTPUT/$(basename $f); done"

    @Test("create, commit triggers only the changed datum, job list / inspect / logs, checkout of the output")
    func workflow() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "apple\n")
        try project.write("data/raw/b.txt", "banana\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one", "--no-trigger"])
        try project.write("pipelines/upper.yaml", Self.spec("upper", cmd: Self.upper))
        let created = try project.run(["pipeline", "create", "pipelines/upper.yaml", "--json"]).jsonObject()
        #expect(created["output_repo"] as? String == "upper" && created["mount"] as? String == "data/upper")
        #expect(project.run(["pipeline", "run", "upper"]).stdout.contains("2 datums: 2 ran, 0 skipped, 0 failed"))

        try project.write("data/raw/b.txt", "blueberry\n")
        project.run(["add", "data/raw"])
        let commit = try project.run(["commit", "-m", "two", "--json"]).jsonObject()
        let jobs = try #require(commit["jobs"] as? [[String: Any]])
        #expect(jobs.count == 1)
        #expect(jobs.first?["ran"] as? Int == 1 && jobs.first?["skipped"] as? Int == 1 && jobs.first?["state"] as? String == "succeeded")
        let jobID = try #require(jobs.first?["id"] as? String)

        #expect(try project.read("data/upper/b.txt") == Array("BLUEBERRY\n".utf8))
        let list = try project.run(["job", "list", "--json"]).jsonArray()
        #expect(list.count == 2 && list.first?["id"] as? String == jobID)
        let inspect = try project.run(["job", "inspect", String(jobID.prefix(10)), "--json"]).jsonObject()
        let datums = try #require(inspect["datums"] as? [[String: Any]])
        #expect(Set(datums.compactMap { $0["state"] as? String }) == ["succeeded", "skipped"])
        #expect(datums.first { $0["state"] as? String == "succeeded" }?["exit_code"] as? Int == 0)
        #expect(project.run(["job", "inspect", jobID]).stdout.contains("raw:/b.txt"))
        #expect(project.run(["logs", jobID]).stdout.contains("attempt 1/1"))
        let log = project.run(["log", "upper"]).stdout
        #expect(log.contains("input.raw = raw@") && log.contains("job = \(jobID)"))
        #expect(project.run(["pipeline", "list"]).stdout.hasPrefix("upper\traw@main:/*\tlocal\tlast job \(jobID) succeeded"))
        #expect(project.run(["pipeline", "inspect", "upper"]).stdout.contains("runtime: local"))
    }

    @Test("a failing job keeps the commit, exits 5 and records its logs; --no-trigger skips it")
    func failure() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "a\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one"])
        try project.write("pipelines/fail.yaml", Self.spec("fail", cmd: "echo something broke >&2; exit 7"))
        project.run(["pipeline", "create", "pipelines/fail.yaml"])
        try project.write("data/raw/a.txt", "b\n")
        project.run(["add", "data/raw"])
        let result = project.run(["commit", "-m", "two"], expect: 5)
        #expect(result.stdout.contains("[raw@main "))
        #expect(result.output.contains("fail: FAILED") && result.output.contains("exit code 7"))
        #expect(project.run(["log", "raw"]).stdout.contains("two"))
        let job = try #require(try project.run(["job", "list", "--json"]).jsonArray().first)
        #expect(job["state"] as? String == "failed")
        #expect(project.run(["logs", try #require(job["id"] as? String), "--failed"]).stdout.contains("something broke"))

        try project.write("data/raw/a.txt", "c\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "three", "--no-trigger"])
        #expect(try project.run(["job", "list", "--json"]).jsonArray().count == 1)
        #expect(project.run(["pipeline", "run", "fail"], expect: 5).output.contains("FAILED"))
    }

    @Test("spec errors show file:line with a hint; cycles and missing repos are refused")
    func errors() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "a\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one", "--no-trigger"])
        try project.write("bad.yaml", "pipeline: {name: bad}\ninput: {pfs: {repo: raw}}\ntransform:\n  cmd: [true]\n  workdir: /x\n")
        let bad = project.run(["pipeline", "create", "bad.yaml"], expect: 1)
        #expect(bad.stderr.contains("bad.yaml:5:3: unknown field 'workdir' in transform"), "\(bad)")
        #expect(bad.stderr.contains("hint: did you mean 'working_dir'?"))
        try project.write("missing.yaml", Self.spec("m", repo: "nope", cmd: "true"))
        #expect(project.run(["pipeline", "create", "missing.yaml"], expect: 1).stderr.contains("reads repo 'nope', which does not exist"))

        try project.write("a.yaml", Self.spec("first", cmd: "true"))
        try project.write("b.yaml", Self.spec("second", repo: "first", cmd: "true"))
        project.run(["pipeline", "create", "a.yaml"])
        project.run(["pipeline", "create", "b.yaml"])
        try project.write("a2.yaml", Self.spec("first", repo: "second", cmd: "true"))
        #expect(project.run(["pipeline", "update", "a2.yaml"], expect: 1).stderr.contains("cycle: first -> second -> first"))
        #expect(project.run(["pipeline", "delete", "first"], expect: 1).stderr.contains("feeds second"))

        #expect(project.run(["dag"]).stdout == "raw@main /* -> [first] -> first@main\nfirst@main /* -> [second] -> second@main\n")
        let dot = project.run(["dag", "--dot"]).stdout
        #expect(dot.hasPrefix("digraph dver {") && dot.contains("\"repo:first\" -> \"pipeline:second\""))
        project.run(["pipeline", "delete", "second", "--delete-repo"])
        #expect(try project.run(["pipeline", "list", "--json"]).jsonArray().map { $0["name"] as? String } == ["first"])
    }
}
