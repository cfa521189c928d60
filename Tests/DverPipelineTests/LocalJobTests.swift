@testable import DverPipeline
import DverCore
import Foundation
import Testing

/// Jobs end to end through the local runtime (plain `sh`), so they run on every machine;
/// the bwrap and podman suites repeat the key cases in real sandboxes.
@Suite("Jobs (local runtime)")
struct LocalJobTests {
    static let upper = "for f in $DVER_PFS/raw/*; do tr a-z A-Z < $f > $DVER_OUTPUT/$(basename $f); done"

    @Test("a commit re-runs only the changed datum; a deletion drops its output; provenance is recorded")
    func incremental() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "apple\n", "data/raw/b.txt": "banana\n", "data/raw/c.txt": "cherry\n"])
        try project.commit("one")
        try project.create(PipelineProject.localSpec(name: "upper", cmd: Self.upper, extra: "parallelism: 2"))
        let first = try project.run("upper")
        #expect(first.state == .succeeded, "\(first)")
        #expect(first.count(.succeeded) == 3 && first.count(.skipped) == 0)
        #expect(try project.files("upper") == ["a.txt": "APPLE\n", "b.txt": "BANANA\n", "c.txt": "CHERRY\n"])

        try project.write("data/raw/b.txt", "blueberry\n")
        let jobs = try project.commitAndTrigger("two")
        let second = try #require(jobs.first)
        #expect(jobs.count == 1 && second.state == .succeeded)
        #expect(second.count(.succeeded) == 1 && second.count(.skipped) == 2)
        #expect(second.datums.first { $0.state == .succeeded }?.inputs == ["raw:/b.txt"])
        #expect(second.datums.filter { $0.state == .skipped }.allSatisfy { $0.reusedFrom == first.id })
        #expect(try project.files("upper") == ["a.txt": "APPLE\n", "b.txt": "BLUEBERRY\n", "c.txt": "CHERRY\n"])

        let commit = try #require(try project.headCommit("upper"))
        let input = try #require(try project.project.refs.read(repo: "raw", branch: "main"))
        #expect(commit.provenance["input.raw"] == "raw@\(input.hex)")
        #expect(commit.provenance["job"] == second.id)
        #expect(commit.provenance["spec"] == second.specHash)
        #expect(commit.parents.count == 1)

        try project.remove("data/raw/a.txt")
        let third = try #require(try project.commitAndTrigger("three").first)
        #expect(third.datums.count == 2 && third.count(.succeeded) == 0 && third.count(.skipped) == 2)
        #expect(try project.files("upper") == ["b.txt": "BLUEBERRY\n", "c.txt": "CHERRY\n"])
        // The output repo's workspace followed (it was clean).
        #expect(!FileManager.default.fileExists(atPath: project.path("data/upper/a.txt")))
        #expect(try String(contentsOfFile: project.path("data/upper/b.txt"), encoding: .utf8) == "BLUEBERRY\n")
    }

    @Test("changing the command re-runs every datum")
    func transformChangeReruns() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n", "data/raw/b.txt": "b\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "copy", cmd: "cp $DVER_PFS/raw/* $DVER_OUTPUT/"))
        #expect(try project.run("copy").count(.succeeded) == 2)
        #expect(try project.run("copy").count(.skipped) == 2)
        try project.write("pipelines/pipeline.yaml", PipelineProject.localSpec(name: "copy", cmd: "cp $DVER_PFS/raw/* $DVER_OUTPUT/; true"))
        try project.runner.catalog.update(file: project.path("pipelines/pipeline.yaml"), project: project.project)
        #expect(try project.run("copy").count(.succeeded) == 2)
    }

    @Test("successful datums of a failed job are reused by the next job")
    func failedJobResultsAreReused() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "ok\n", "data/raw/b.txt": "bad\n", "data/raw/c.txt": "ok\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "check", cmd: "f=$(ls $DVER_PFS/raw); grep -q ok $DVER_PFS/raw/$f || { echo \"$f is bad\" >&2; exit 3; }; cp $DVER_PFS/raw/$f $DVER_OUTPUT/"))
        let failed = try project.run("check")
        #expect(failed.state == .failed)
        #expect(failed.count(.succeeded) == 2 && failed.count(.failed) == 1)
        let bad = try #require(failed.datums.first { $0.state == .failed })
        #expect(bad.exitCode == 3 && bad.inputs == ["raw:/b.txt"])
        #expect(failed.error?.contains("raw:/b.txt") == true)
        #expect(failed.outputCommit == nil)
        #expect(try project.headCommit("check") == nil)
        let log = try String(contentsOfFile: project.runner.jobs.logPath(job: failed.id, datum: bad.id), encoding: .utf8)
        #expect(log.contains("b.txt is bad"))

        try project.write("data/raw/b.txt", "ok now\n")
        let fixed = try #require(try project.commitAndTrigger().first)
        #expect(fixed.state == .succeeded)
        #expect(fixed.count(.succeeded) == 1 && fixed.count(.skipped) == 2)
        #expect(fixed.datums.filter { $0.state == .skipped }.allSatisfy { $0.reusedFrom == failed.id })
        #expect(try project.files("check").count == 3)
    }

    @Test("two datums writing one output path fail the job, naming both")
    func duplicateOutputs() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n", "data/raw/b.txt": "b\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "clash", cmd: "echo x > $DVER_OUTPUT/same.txt"))
        let job = try project.run("clash")
        #expect(job.state == .failed)
        let error = try #require(job.error)
        #expect(error.contains("same.txt") && error.contains("raw:/a.txt") && error.contains("raw:/b.txt"), "\(error)")
    }

    @Test("a datum failing once succeeds on its second try (datum_tries)")
    func retries() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        let marker = project.path("marker")
        try project.create(PipelineProject.localSpec(name: "flaky", cmd: "if [ -e \(marker) ]; then cp $DVER_PFS/raw/a.txt $DVER_OUTPUT/; else touch \(marker); echo first try fails; exit 1; fi",
                                                     extra: "datum_tries: 2"))
        let job = try project.run("flaky")
        #expect(job.state == .succeeded, "\(job)")
        #expect(job.datums.first?.attempts == 2)
        let log = try String(contentsOfFile: project.runner.jobs.logPath(job: job.id, datum: job.datums[0].id), encoding: .utf8)
        #expect(log.contains("first try fails") && log.contains("attempt 2/2"))
    }

    @Test("a datum outliving datum_timeout is killed")
    func timeout() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "slow", cmd: "sleep 30", extra: "datum_timeout: 500ms"))
        let start = Date()
        let job = try project.run("slow")
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(job.state == .failed)
        #expect(job.datums.first?.timedOut == true)
        #expect(job.datums.first?.error?.contains("timed out") == true)
    }

    @Test("environment: job id, datum id, pfs paths and spec env reach the command")
    func environment() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "env", cmd: "echo \"$DVER_JOB_ID $DVER_DATUM_ID $DVER_INPUT_RAW $MODE\" > $DVER_OUTPUT/env.txt",
                                                     extra: "").replacingOccurrences(of: "runtime: local", with: "runtime: local\n  ").replacingOccurrences(of: "  cmd:", with: "  env: {MODE: fast}\n  cmd:"))
        let job = try project.run("env")
        let words = try #require(project.files("env")["env.txt"]).split(separator: " ").map(String.init)
        #expect(words.count == 4)
        #expect(words[0] == job.id && words[1] == job.datums[0].id)
        #expect(words[2].hasSuffix("/pfs/raw/a.txt"))
        #expect(words[3] == "fast\n")
    }

    @Test("stdin lines reach the command; working_dir under /pfs is translated for local")
    func stdinAndWorkingDirectory() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        try project.create("""
        pipeline: {name: feed}
        input: {pfs: {repo: raw}}
        transform:
          cmd: ["sh", "-c", "cat > out/stdin.txt; ls raw > out/listing.txt"]
          stdin: ["first line", "second line"]
          working_dir: /pfs
        runtime: local
        """)
        let job = try project.run("feed")
        #expect(job.state == .succeeded, "\(job.error ?? "")")
        #expect(try project.files("feed") == ["stdin.txt": "first line\nsecond line\n", "listing.txt": "a.txt\n"])
    }

    @Test("pipeline run --datum runs one datum even if cached and commits nothing")
    func singleDatum() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n", "data/raw/b.txt": "b\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "copy", cmd: "cp $DVER_PFS/raw/* $DVER_OUTPUT/"))
        let full = try project.run("copy")
        let debug = try project.run("copy", datum: "raw:/b.txt")
        #expect(debug.trigger == "datum" && debug.datums.map(\.inputs) == [["raw:/b.txt"]])
        #expect(debug.datums[0].state == .succeeded && debug.outputCommit == nil)
        #expect(try project.project.refs.read(repo: "copy", branch: "main")?.hex == full.outputCommit)
        #expect(throws: PipelineError.self) { try project.run("copy", datum: "/nope.txt") }
    }
}
