import DverTestSupport
import Foundation
import Testing

/// Small things of everyday commands: counts in the singular, fsck's advice, pipeline progress,
/// jobs that change nothing, stale pipeline outputs in `status`, and `hooks uninstall` of a
/// tracked `.gitattributes`.
@Suite("CLI: everyday details")
struct EverydayDetailTests {
    /// A project with repo raw (one file, two commits) and pipeline `copy` reading it.
    static func withPipeline(run: Bool = true) throws -> TestProject {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "apple\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one", "--no-trigger"])
        try project.write("pipelines/copy.yaml", PipelineCommandTests.spec("copy", cmd: "cp $DVER_PFS/raw/* $DVER_OUTPUT/"))
        project.run(["pipeline", "create", "pipelines/copy.yaml"] + (run ? ["--run"] : []))
        return project
    }

    @Test("one file is '1 file', not '1 files'")
    func singular() throws {
        let project = try TestProject()
        try project.write("data/raw/a.txt", "one\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one"])
        try project.write("data/raw/a.txt", "two\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "two"])
        let outputs = [
            project.run(["diff", "raw@main~1", "raw@main"]).stdout,
            project.run(["checkout", "raw@main~1"]).stdout,
            project.run(["du"]).stdout,
        ]
        for output in outputs { #expect(!output.contains(" 1 files") && !output.contains(" 1 commits"), "\(output)") }
        #expect(outputs[0].contains("1 file changed"))
        #expect(outputs[1].contains("wrote 1 file ("))
    }

    @Test("fsck names what a damaged object affects and does not tell the user to run fsck")
    func fsckAdvice() throws {
        let project = try TestProject()
        var generator = SeededGenerator(seed: 5)
        try project.write("data/raw/big.bin", generator.bytes(3 << 20))
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one"])
        let pack = try project.largestPack()
        chmod(pack, 0o644)
        var bytes = try project.read(pack)
        bytes[100] ^= 0xff   // inside the first record's header
        try project.write(pack, bytes)
        let fsck = project.run(["fsck"], expect: 3)
        #expect(!fsck.output.contains("run 'dver fsck'"), "\(fsck)")
        #expect(fsck.stdout.contains("big.bin: needs the damaged "), "\(fsck)")
        #expect(fsck.stderr.contains("restore .dver/packs from a backup"), "\(fsck)")
    }

    @Test("pipeline progress on a terminal counts datums, not '0 B 0 B/s'",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func pipelineProgress() throws {
        let project = try TestProject()
        for name in ["a", "b", "c", "d"] { try project.write("data/raw/\(name).txt", "\(name)\n") }
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one", "--no-trigger"])
        try project.write("pipelines/slow.yaml", PipelineCommandTests.spec("slow", cmd: "sleep 0.3; cp $DVER_PFS/raw/* $DVER_OUTPUT/"))
        project.run(["pipeline", "create", "pipelines/slow.yaml"])
        // script(1) gives dver a terminal, so it draws its progress line.
        let command = "\(DverProcess.binaryPath) pipeline run slow"
        let terminal = try project.tool(["script", "-qfec", command, "/dev/null"]).stdout
        #expect(terminal.contains("/4 datums"), "\(terminal)")
        #expect(!terminal.contains("0 B/s"), "\(terminal)")
    }

    @Test("pipeline update --run and pipeline run with nothing changed commit nothing: 'output unchanged'")
    func unchangedOutput() throws {
        let project = try Self.withPipeline()
        let before = try project.run(["log", "copy", "--json"]).jsonArray()
        #expect(before.count == 1)
        let update = project.run(["pipeline", "update", "pipelines/copy.yaml", "--run"])
        #expect(update.output.contains("output unchanged"), "\(update)")
        let rerun = try #require(try project.run(["pipeline", "run", "copy", "--json"]).jsonArray().first)
        #expect(rerun["state"] as? String == "succeeded" && rerun["output_commit"] == nil, "\(rerun)")
        #expect(try project.run(["log", "copy", "--json"]).jsonArray().count == 1, "no empty output commit")

        // New input that changes no output is still a new commit: its provenance names the new input.
        try project.write("data/raw/a.txt", "apricot\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "two"])
        #expect(try project.run(["log", "copy", "--json"]).jsonArray().count == 2)
    }

    @Test("status shows an output repo whose pipeline has not run on the latest input as stale")
    func staleOutput() throws {
        let project = try Self.withPipeline()
        #expect(!project.run(["status"]).stdout.contains("has not run"))
        try project.write("data/raw/a.txt", "apricot\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "two", "--no-trigger"])
        let head = try #require(try project.run(["log", "raw", "--json"]).jsonArray().first?["id"] as? String)
        let text = project.run(["status"]).stdout
        #expect(text.contains("  pipeline copy has not run on raw@\(head.prefix(12)) (run 'dver pipeline run copy')"), "\(text)")
        let repos = try project.run(["status", "--json"]).jsonArray()
        let copy = try #require(repos.first { $0["repo"] as? String == "copy" })
        let stale = try #require(copy["stale_pipeline"] as? [String: Any], "\(copy)")
        let inputs = try #require(stale["inputs"] as? [[String: Any]])
        #expect(stale["pipeline"] as? String == "copy" && inputs.first?["commit"] as? String == head)
        #expect(repos.first { $0["repo"] as? String == "raw" }?["stale_pipeline"] == nil)

        project.run(["pipeline", "run", "copy"])
        #expect(!project.run(["status"]).stdout.contains("has not run"))
        #expect(try project.run(["status", "--json"]).jsonArray().allSatisfy { $0["stale_pipeline"] == nil })
    }

    @Test("a pipeline that never ran is stale too")
    func neverRan() throws {
        let project = try Self.withPipeline(run: false)
        #expect(project.run(["status"]).stdout.contains("pipeline copy has not run on raw@"))
    }

    @Test("hooks uninstall takes only dver's lines out of .gitattributes and never deletes a tracked one",
          .enabled(if: gitIsInstalled, "needs git"))
    func uninstallKeepsTrackedAttributes() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        try project.git(["add", ".gitattributes"])
        try project.git(["commit", "-q", "-m", "attributes"])
        project.run(["hooks", "uninstall"])
        #expect(project.exists(".gitattributes"), "git tracks it: emptied, not deleted")
        #expect(try project.read(".gitattributes").isEmpty)

        try project.write(".gitattributes", "*.bin binary\n")
        project.run(["hooks", "install"])
        #expect(try String(decoding: project.read(".gitattributes"), as: UTF8.self).contains("dver-lock"))
        project.run(["hooks", "uninstall"])
        #expect(try String(decoding: project.read(".gitattributes"), as: UTF8.self) == "*.bin binary\n")

        try project.git(["rm", "-q", "--cached", ".gitattributes"])
        try project.remove(".gitattributes")
        project.run(["hooks", "install"])
        project.run(["hooks", "uninstall"])
        #expect(!project.exists(".gitattributes"), "untracked and dver's alone: deleted")
    }
}
