import Foundation
import Testing

/// Git and pipelines together: the jobs a `dver commit` triggers run before it rewrites
/// `dver.lock`, so a git commit pins the pipeline outputs too, and output commits record the
/// git HEAD like any other commit.
@Suite("git and pipelines together", .enabled(if: gitIsInstalled, "git is not installed"))
struct GitPipelineTests {
    @Test("dver commit pins the outputs its triggered job produced; git checkout restores inputs and outputs")
    func outputsArePinned() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        try project.write("data/raw/a.txt", "apple\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one", "--no-trigger"])
        try project.write("pipelines/upper.yaml", PipelineCommandTests.spec("upper", cmd: PipelineCommandTests.upper))
        project.run(["pipeline", "create", "pipelines/upper.yaml", "--run"])
        try project.git(["add", "-A"])
        try project.git(["commit", "-q", "-m", "v1"])
        let v1 = try project.gitRevision("HEAD")

        try project.write("data/raw/a.txt", "apricot\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "two"])
        let output = try #require(try project.run(["log", "upper", "--json"]).jsonArray().first)
        let outputID = try #require(output["id"] as? String)
        #expect(output["git_head"] as? String == v1, "an output commit records the git HEAD its job ran on")
        let lock = try String(contentsOfFile: project.path("dver.lock"), encoding: .utf8)
        #expect(lock.contains("upper main \(outputID) data/upper"), "\(lock)")

        try project.git(["commit", "-q", "-a", "-m", "v2"])
        try project.git(["checkout", "-q", v1])
        #expect(try project.read("data/raw/a.txt") == Array("apple\n".utf8))
        #expect(try project.read("data/upper/a.txt") == Array("APPLE\n".utf8))
        try project.git(["checkout", "-q", "main"])
        #expect(try project.read("data/upper/a.txt") == Array("APRICOT\n".utf8))
    }
}
