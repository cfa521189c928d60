import Foundation
import Testing

/// Which cached datum results `dver gc` and `dver pipeline prune-cache` keep.
@Suite("CLI: datum cache policy")
struct DatumCachePolicyTests {
    @Test("results of jobs whose output is on a branch, and those they reused, stay; a job whose output left the branch loses its own")
    func policy() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "apple\n")
        try project.write("data/raw/b.txt", "banana\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "one", "--no-trigger"])
        try project.write("pipelines/upper.yaml", PipelineCommandTests.spec("upper", cmd: PipelineCommandTests.upper))
        project.run(["pipeline", "create", "pipelines/upper.yaml", "--run"])
        try project.write("data/raw/a.txt", "avocado\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "two"])   // runs upper: a is new, b is reused from the first job
        let all = try project.run(["pipeline", "prune-cache", "--grace", "0", "--dry-run", "--json"]).jsonObject()
        #expect(all["entries"] as? Int == 3 && all["pruned_entries"] as? Int == 0, "\(all)")

        // The second job's output leaves the branch: its own result (avocado) goes, the rest stays.
        project.run(["reset", "-q", "--hard", "upper@main~1"])
        let dry = try project.run(["pipeline", "prune-cache", "--grace", "0", "--dry-run", "--json"]).jsonObject()
        #expect(dry["pruned_entries"] as? Int == 1, "\(dry)")
        let kept = try project.run(["pipeline", "prune-cache", "--grace", "0", "--keep-jobs", "1", "--dry-run", "--json"]).jsonObject()
        #expect(kept["pruned_entries"] as? Int == 0, "the last job and the job it reused from: \(kept)")
        #expect(try project.run(["pipeline", "prune-cache", "--json"]).jsonObject()["pruned_entries"] as? Int == 0, "inside the grace period")
        project.run(["pipeline", "prune-cache", "--grace", "0"])
        let after = try project.run(["pipeline", "prune-cache", "--grace", "0", "--dry-run", "--json"]).jsonObject()
        #expect(after["entries"] as? Int == 2 && after["pruned_entries"] as? Int == 0, "\(after)")
        // gc reports the cache, and reclaims the dropped result's objects.
        let report = try project.run(["gc", "--json"]).jsonObject()
        #expect(report["cache_entries"] as? Int == 2)
        project.run(["fsck", "-q"])
    }
}
