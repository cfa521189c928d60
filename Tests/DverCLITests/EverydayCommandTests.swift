import Foundation
import Testing

/// Paths where repo names go, git revisions where data revisions go, commit authors, and
/// suggestions for mistyped commands.
@Suite("CLI: everyday commands")
struct EverydayCommandTests {
    static func twoCommits() throws -> TestProject {
        let project = try TestProject()
        try project.write("data/raw/a.csv", "1\n")
        try project.write("data/raw/sub/b.csv", "2\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "one"])
        try project.write("data/raw/a.csv", "1\n2\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "two"])
        return project
    }

    @Test("workspace paths name repos: log, diff, ls, cat; restore --source takes REPO@REV")
    func pathsAsRepos() throws {
        let project = try Self.twoCommits()
        #expect(project.run(["log", "data/raw", "--json"]).stdout == project.run(["log", "raw", "--json"]).stdout)
        #expect(project.run(["ls", "data/raw/sub"]).stdout.contains("b.csv"))
        #expect(project.run(["ls", "sub"], in: "data/raw").stdout.contains("b.csv"))
        #expect(project.run(["cat", "data/raw/a.csv"]).stdout == "1\n2\n")
        let diff = project.run(["diff", "raw@main~1", "data/raw@main", "--json"])
        #expect(try diff.jsonArray().map { $0["path"] as? String } == ["data/raw/a.csv"])
        #expect(try project.run(["diff", "data/raw/sub@main~1", "raw@main", "--json"]).jsonArray().isEmpty)
        project.run(["restore", "--source", "raw@main~1", "data/raw/a.csv"])
        #expect(try project.read("data/raw/a.csv") == Array("1\n".utf8))
        project.run(["restore", "--source", "main", "data/raw/a.csv"])
        #expect(try project.read("data/raw/a.csv") == Array("1\n2\n".utf8))
    }

    @Test("--git REV on diff, ls and cat reads the data a git revision pinned", .enabled(if: gitIsInstalled, "git is not installed"))
    func gitRevisions() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install", "-q"])
        try project.write("data/raw/a.csv", "v1\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "v1"])
        try project.git(["add", "-A"])
        try project.git(["commit", "-q", "-m", "v1"])
        try project.git(["tag", "v1.0"])
        try project.write("data/raw/a.csv", "v2\n")
        try project.write("data/raw/new.csv", "n\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "v2"])
        try project.git(["add", "-A"])
        try project.git(["commit", "-q", "-m", "v2"])
        try project.git(["tag", "v2.0"])
        let diff = try project.run(["diff", "--git", "v1.0", "v2.0", "--json"]).jsonArray()
        #expect(diff.map { "\($0["change"] ?? "") \($0["path"] ?? "")" } == ["modified data/raw/a.csv", "added data/raw/new.csv"])
        #expect(try project.run(["diff", "--git", "v2.0", "--json"]).jsonArray().isEmpty)
        #expect(project.run(["cat", "--git", "v1.0", "raw:a.csv"]).stdout == "v1\n")
        #expect(!project.run(["ls", "--git", "v1.0", "raw"]).stdout.contains("new.csv"))
        #expect(project.run(["ls", "--git", "v2.0", "raw"]).stdout.contains("new.csv"))
        #expect(try project.read("data/raw/a.csv") == Array("v2\n".utf8))
        project.run(["cat", "--git", "v9.9", "raw:a.csv"], expect: 1)
    }

    @Test("commit authors: git's user.name and user.email, overridden by DVER_AUTHOR and --author", .enabled(if: gitIsInstalled, "git is not installed"))
    func authors() throws {
        let project = try TestProject()
        try project.gitInit()
        try project.git(["config", "user.name", "Ada Lovelace"])
        try project.git(["config", "user.email", "ada@example.com"])
        try project.write("data/raw/a.csv", "1\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "one"], environment: ["DVER_AUTHOR": ""])
        func lastAuthor() throws -> String? { try project.run(["log", "raw", "-n", "1", "--json"]).jsonArray().first?["author"] as? String }
        #expect(try lastAuthor() == "Ada Lovelace <ada@example.com>")
        try project.write("data/raw/a.csv", "2\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "two", "--author", "Grace <g@example.com>"], environment: ["DVER_AUTHOR": ""])
        #expect(try lastAuthor() == "Grace <g@example.com>")
        try project.write("data/raw/a.csv", "3\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "three"], environment: ["DVER_AUTHOR": "Env Author"])
        #expect(try lastAuthor() == "Env Author")
    }

    @Test("a mistyped command gets the closest one suggested")
    func suggestions() throws {
        let project = try TestProject()
        let typo = project.run(["comit", "-m", "x"], expect: 64)
        #expect(typo.stderr.contains("'comit' is not a dver command; did you mean 'dver commit'?"), "\(typo)")
        #expect(project.run(["pipeline", "creat", "x"], expect: 64).stderr.contains("did you mean 'dver pipeline create'?"))
        #expect(project.run(["status", "--jsn"], expect: 64).stderr.contains("--json"))
        project.run(["help", "commit"])
    }
}
