import Foundation
import Testing

/// `dver merge` through the binary: conflicts and their resolution, the merge commit in log,
/// fsck, gc, push and clone; abort; a fast-forward triggering a pipeline.
@Suite("CLI: merge")
struct MergeCommandTests {
    /// raw with a.csv and b.csv on main; main changes a.csv, feature changes a.csv differently
    /// and b.csv; main is checked out.
    static func diverged() throws -> TestProject {
        let project = try TestProject()
        try project.write("data/raw/a.csv", "1,2\n")
        try project.write("data/raw/b.csv", "x\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "base"])
        project.run(["branch", "-r", "raw", "feature"])
        try project.write("data/raw/a.csv", "1,2\nours\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "ours"])
        project.run(["checkout", "-q", "raw@feature"])
        try project.write("data/raw/a.csv", "1,2\ntheirs, longer\n")
        try project.write("data/raw/b.csv", "y\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "theirs"])
        project.run(["checkout", "-q", "raw@main"])
        return project
    }

    @Test("a conflict: exit 6 listing both versions; status explains; commit waits; --theirs resolves; a two-parent commit everywhere")
    func conflictFlow() throws {
        let project = try Self.diverged()
        let merge = project.run(["merge", "raw@feature"], expect: 6)
        #expect(merge.stdout.contains("CONFLICT (modified on both sides): data/raw/a.csv"), "\(merge)")
        #expect(merge.stdout.contains("ours   9 B") && merge.stdout.contains("theirs 19 B"), "\(merge)")
        #expect(try project.read("data/raw/a.csv") == Array("1,2\nours\n".utf8))
        #expect(try project.read("data/raw/b.csv") == Array("y\n".utf8))
        let status = project.run(["status"]).stdout
        #expect(status.contains("merging raw@feature") && status.contains("conflict  data/raw/a.csv  (modified on both sides)"), "\(status)")
        #expect(status.contains("modified data/raw/b.csv"), "\(status)")
        let json = try #require(try project.run(["status", "--json"]).jsonArray().first)
        #expect((json["merge"] as? [String: Any])?["theirs_label"] as? String == "raw@feature")

        let refused = project.run(["commit"], expect: 6)
        #expect(refused.stderr.contains("still has conflicts") && refused.stderr.contains("data/raw/a.csv"), "\(refused)")
        #expect(project.run(["checkout", "raw@feature"], expect: 1).stderr.contains("merge in progress"))
        project.run(["checkout", "--theirs", "data/raw/a.csv"])
        #expect(try project.read("data/raw/a.csv") == Array("1,2\ntheirs, longer\n".utf8))
        #expect(project.run(["commit"]).stdout.contains("[raw@main "))

        let log = try project.run(["log", "raw", "--json"]).jsonArray()
        #expect(log.count == 4 && (log.first?["parents"] as? [String])?.count == 2)
        #expect(log.first?["message"] as? String == "Merge raw@feature into raw@main")
        let graph = project.run(["log", "raw", "--graph", "--oneline"]).stdout
        #expect(graph.contains("|\\") && graph.contains("| *") && graph.contains("|/"), "\(graph)")
        let text = project.run(["log", "raw"]).stdout
        #expect(text.contains("Merge:  "))
        #expect(project.run(["status"]).stdout.contains("nothing to commit"))
        #expect(project.run(["diff", "raw@main~1", "raw@main"]).stdout.contains("data/raw/a.csv"))

        project.run(["gc", "-q"])
        project.run(["fsck"])
        let remote = "\(project.outside)/remote"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        project.run(["remote", "add", "-q", "origin", remote])
        project.run(["push", "-q"])
        project.run(["clone", "-q", remote, "\(project.outside)/copy"], in: project.outside)
        let cloned = project.run(["log", "raw", "--json"], in: "\(project.outside)/copy")
        #expect(try cloned.jsonArray().count == 4)
        project.run(["fsck"], in: "\(project.outside)/copy")
    }

    @Test("--abort returns to the commit before the merge; --strategy theirs merges at once")
    func abortAndStrategy() throws {
        let project = try Self.diverged()
        project.run(["merge", "raw@feature"], expect: 6)
        #expect(project.run(["merge", "--abort", "raw"]).stdout.contains("aborted"))
        #expect(try project.read("data/raw/a.csv") == Array("1,2\nours\n".utf8))
        #expect(try project.read("data/raw/b.csv") == Array("x\n".utf8))
        #expect(project.run(["status"]).stdout.contains("nothing to commit"))

        let merged = try project.run(["merge", "raw@feature", "--strategy", "theirs", "--json"]).jsonObject()
        #expect(merged["outcome"] as? String == "merged")
        #expect(try project.read("data/raw/a.csv") == Array("1,2\ntheirs, longer\n".utf8))
        project.run(["merge", "--strategy", "sideways", "raw@feature"], expect: 64)
    }

    @Test("a fast-forward moves the branch and runs the pipeline reading it")
    func fastForwardTriggers() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "a\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "base", "--no-trigger"])
        try project.write("up.yaml", """
            pipeline: {name: up}
            input: {pfs: {repo: raw, glob: "/*"}}
            transform: {cmd: [sh, -c, "tr a-z A-Z < $raw > $DVER_OUTPUT/$(basename $raw)"]}
            runtime: local
            """)
        project.run(["pipeline", "create", "up.yaml", "--run"])
        project.run(["branch", "-r", "raw", "feature"])
        project.run(["checkout", "-q", "raw@feature"])
        try project.write("data/raw/b.txt", "b\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "more", "--no-trigger"])
        project.run(["checkout", "-q", "raw@main"])
        let output = project.run(["merge", "raw@feature"]).stdout
        #expect(output.contains("fast-forward"), "\(output)")
        #expect(output.contains("2 datums: 1 ran, 1 skipped"), "\(output)")
        #expect(try project.read("data/up/b.txt") == Array("B\n".utf8))
        #expect(project.run(["merge", "raw@feature"]).stdout.contains("already contains"))
    }
}

/// reset, revert and branch protection through the binary.
@Suite("CLI: undo and branches")
struct UndoCommandTests {
    @Test("revert and reset make and undo commits; branches pipelines or dver.lock use are not deleted without --force")
    func undoAndProtection() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "one\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "one"])
        try project.write("data/raw/a.txt", "two\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "two"])
        #expect(project.run(["revert", "raw@main"]).stdout.contains("Revert \"two\""))
        #expect(try project.read("data/raw/a.txt") == Array("one\n".utf8))
        #expect(project.run(["reset", "raw@main~1"]).stdout.contains("1 file now not staged"))
        #expect(try project.read("data/raw/a.txt") == Array("one\n".utf8))
        #expect(project.run(["status"]).stdout.contains("modified data/raw/a.txt"))
        project.run(["reset", "--hard", "--force", "raw@main"])
        #expect(try project.read("data/raw/a.txt") == Array("two\n".utf8))
        project.run(["reset", "--force", "raw@main"], expect: 64)

        project.run(["branch", "-r", "raw", "exp"])
        try project.write("p.yaml", """
            pipeline: {name: p}
            input: {pfs: {repo: raw, branch: exp}}
            transform: {cmd: [sh, -c, "true"]}
            runtime: local
            """)
        project.run(["pipeline", "create", "p.yaml"])
        let refused = project.run(["branch", "-r", "raw", "-d", "exp"], expect: 64)
        #expect(refused.stderr.contains("pipeline 'p' (reads it)"), "\(refused)")
        project.run(["branch", "-r", "raw", "-m", "exp", "trial"], expect: 64)
        project.run(["branch", "-r", "raw", "-f", "exp", "main~1"])
        project.run(["branch", "-r", "raw", "-f", "main", "main~1"], expect: 1)
        project.run(["branch", "-r", "raw", "-d", "--force", "exp"])
        #expect(!project.run(["branch", "-r", "raw"]).stdout.contains("exp"))
    }
}
