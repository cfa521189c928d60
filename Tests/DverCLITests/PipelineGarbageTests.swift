import Foundation
import Testing

/// `dver gc` and pipelines: cached datum results are roots (a failed job's successful datums
/// are reused after a gc), and gc waits while a job is writing outputs it has not recorded.
@Suite("CLI: gc and pipeline jobs")
struct PipelineGarbageTests {
    /// Upper-cases each file; fails on a file containing "bad".
    static let pickyUpper = "f=$(ls $DVER_PFS/raw); grep -q bad $DVER_PFS/raw/$f && exit 3; tr a-z A-Z < $DVER_PFS/raw/$f > $DVER_OUTPUT/$f"

    @Test("a failed job's successful datum survives gc and is reused, not re-run")
    func cachedResultsAreRoots() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "apple\n")
        try project.write("data/raw/b.txt", "bad\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one", "--no-trigger"])
        try project.write("pipelines/upper.yaml", PipelineCommandTests.spec("upper", cmd: Self.pickyUpper))
        project.run(["pipeline", "create", "pipelines/upper.yaml", "--run"], expect: 5)

        project.run(["gc"])
        #expect(project.run(["fsck"]).stdout.contains("ok"))

        try project.write("data/raw/b.txt", "banana\n")
        project.run(["add", "data/raw"])
        let commit = try project.run(["commit", "-m", "two", "--json"]).jsonObject()
        let job = try #require((commit["jobs"] as? [[String: Any]])?.first)
        #expect(job["state"] as? String == "succeeded")
        #expect(job["ran"] as? Int == 1 && job["skipped"] as? Int == 1, "a.txt's result from the failed job is reused: \(job)")
        #expect(try project.read("data/upper/a.txt") == Array("APPLE\n".utf8))
        #expect(try project.read("data/upper/b.txt") == Array("BANANA\n".utf8))
    }

    @Test("gc waits for a running pipeline job, then keeps its outputs")
    func waitsForJobs() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "apple\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one", "--no-trigger"])
        try project.write("pipelines/slow.yaml", PipelineCommandTests.spec("slow", cmd: "sleep 2; cp $DVER_PFS/raw/* $DVER_OUTPUT/"))
        project.run(["pipeline", "create", "pipelines/slow.yaml"])
        let job = try project.start(["pipeline", "run", "slow"])
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !project.run(["job", "list"], expect: nil).stdout.contains("running") {
            usleep(20_000)
        }
        let gc = project.run(["gc"])
        #expect(gc.stderr.contains("waiting for pipeline jobs and fetches"), "\(gc)")
        #expect(project.run(["job", "list"]).stdout.contains("succeeded"), "gc ran only after the job had finished")
        #expect(try job.wait().status == 0)
        #expect(project.run(["fsck"]).stdout.contains("ok"))
        project.run(["checkout", "--force", "slow@main"])
        #expect(try project.read("data/slow/a.txt") == Array("apple\n".utf8))
    }

    /// The `job-*` directories in `.dver/tmp`.
    static func jobDirectories(_ project: TestProject) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: project.path(".dver/tmp"))) ?? []).filter { $0.hasPrefix("job-") }.sorted()
    }

    @Test("gc deletes the datum directories of a job run with DVER_KEEP_DATUM_DIRS=1 and of a killed job")
    func leftoverJobDirectories() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "apple\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one", "--no-trigger"])
        try project.write("pipelines/copy.yaml", PipelineCommandTests.spec("copy", cmd: "cp $DVER_PFS/raw/* $DVER_OUTPUT/"))
        project.run(["pipeline", "create", "pipelines/copy.yaml"])
        project.run(["pipeline", "run", "copy"], environment: ["DVER_KEEP_DATUM_DIRS": "1"])
        let kept = Self.jobDirectories(project)
        #expect(kept.count == 1)

        try project.write("pipelines/stuck.yaml", PipelineCommandTests.spec("stuck", cmd: "sleep 60"))
        project.run(["pipeline", "create", "pipelines/stuck.yaml"])
        let job = try project.start(["pipeline", "run", "stuck"])
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, Self.jobDirectories(project).count < 2 { usleep(20_000) }
        job.kill()
        _ = try job.wait()
        let leftovers = Self.jobDirectories(project)
        #expect(leftovers.count == 2, "the killed job left its directory: \(leftovers)")

        let fsck = project.run(["fsck"])
        for name in leftovers { #expect(fsck.stderr.contains("tmp/\(name)/ holds the datum directories of pipeline job"), "\(fsck)") }
        let gc = project.run(["gc"])
        for name in leftovers { #expect(gc.stdout.contains("removed tmp/\(name)/"), "\(gc)") }
        #expect(Self.jobDirectories(project).isEmpty)
        #expect(project.run(["gc"]).status == 0)
    }
}
