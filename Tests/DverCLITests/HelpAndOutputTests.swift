import DverCore
import Foundation
import Testing

/// Help texts, usage errors, --json and -q across every command.
@Suite("help, usage errors, --json and -q")
struct HelpAndOutputTests {
    static let commands: [[String]] = [
        ["init"], ["add"], ["status"], ["commit"], ["log"], ["diff"], ["branch"], ["checkout"], ["merge"], ["reset"], ["revert"],
        ["ls"], ["cat"],
        ["rm"], ["restore"], ["du"], ["fsck"], ["gc"], ["repo"], ["repo", "create"], ["repo", "list"], ["repo", "delete"],
        ["hash-object"], ["cat-object"], ["ls-tree"], ["worker"], ["worker", "run"],
        ["remote"], ["remote", "add"], ["remote", "list"], ["remote", "remove"], ["remote", "set-default"],
        ["push"], ["fetch"], ["pull"], ["clone"],
        ["hooks"], ["hooks", "install"], ["hooks", "uninstall"], ["hooks", "status"], ["hooks", "policy"],
        ["hooks", "run"], ["hooks", "merge-lock"],
        ["pipeline"], ["pipeline", "create"], ["pipeline", "list"], ["pipeline", "inspect"], ["pipeline", "update"],
        ["pipeline", "delete"], ["pipeline", "run"], ["pipeline", "tick"], ["pipeline", "prune-cache"], ["job"], ["job", "list"], ["job", "inspect"], ["logs"], ["dag"],
        ["serve"], ["mount"], ["umount"],
    ]

    @Test("the tested command list matches the subcommands 'dver --help' lists")
    func commandListIsComplete() throws {
        let project = try TestProject(initialize: false)
        let help = project.run(["--help"]).stdout
        // Everything after the first "SUBCOMMANDS:" heading, through the grouped sections
        // ("REMOTES SUBCOMMANDS:", ...), whose headings start in column 0 and are skipped.
        let section = try #require(help.components(separatedBy: "SUBCOMMANDS:").dropFirst().joined(separator: "\n"))
        let names = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), !line.contains("See 'dver help") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        #expect(Set(names) == Set(Self.commands.filter { $0.count == 1 }.map { $0[0] }))
    }

    @Test("--help exits 0 and shows examples", arguments: commands)
    func helpShowsExamples(command: [String]) throws {
        let project = try TestProject(initialize: false)
        let result = project.run(command + ["--help"])
        #expect(result.stdout.contains("Examples"), "dver \(command.joined(separator: " ")) --help:\n\(result.stdout)")
        #expect(result.stdout.contains("USAGE: dver \(command.joined(separator: " "))"))
    }

    @Test("an unknown flag is a usage error (exit 64)", arguments: commands)
    func unknownFlagIsUsageError(command: [String]) throws {
        let project = try TestProject()
        let result = project.run(command + ["--no-such-flag"], expect: 64)
        // A missing required argument is reported before the unknown option; both are usage errors.
        #expect(result.stderr.hasPrefix("Error: "), "\(result)")
        #expect(result.stderr.contains("Usage: dver \(command.joined(separator: " "))"), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test("missing required arguments are usage errors (exit 64)")
    func missingArgumentsAreUsageErrors() throws {
        let project = try TestProject()
        #expect(project.run(["add"], expect: 64).stderr.contains("Missing expected argument"))
        #expect(project.run(["commit"], expect: 64).stderr.contains("--message"))
        project.run(["cat"], expect: 64)
        project.run(["diff", "a", "b", "c"], expect: 64)
        project.run(["no-such-command"], expect: 64)
    }

    @Test("every --json output parses")
    func jsonOutputsParse() throws {
        let project = try TestProject(initialize: false)
        #expect(try project.run(["init", "--json"]).jsonObject()["root"] as? String == project.root)
        try project.write("data/raw/a.csv", "1,2\n")
        var random = SeededGenerator(seed: 7)
        try project.write("data/raw/big.bin", random.bytes(400_000))
        let add = try project.run(["add", "--json", "data/raw"]).jsonObject()
        #expect(add["created_repos"] as? [String] == ["raw"])
        #expect(add["added"] as? Int == 2)
        let commit = try project.run(["commit", "--json", "-m", "one"]).jsonObject()
        let commits = try #require(commit["commits"] as? [[String: Any]])
        let head = try #require(commits.first?["commit"] as? String)
        #expect(ObjectID(hex: head) != nil)
        try project.append("data/raw/a.csv", "3,4\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "two"])
        let headTree = try #require(try project.run(["cat-object", "--json", head]).jsonObject()["tree"] as? String)

        let arrays: [[String]] = [
            ["status", "--json"], ["log", "--json"], ["log", "raw", "--json", "-n", "1"], ["diff", "--json"],
            ["diff", "--json", "raw@main~1", "raw@main"], ["ls", "--json", "raw"], ["ls", "-r", "--json", "raw@main~1"],
            ["branch", "--json"], ["repo", "list", "--json"], ["ls-tree", "--json", "raw@main"],
            ["ls-tree", "-r", "--json", headTree], ["cat-object", "--json", headTree],
            ["checkout", "--json", "raw@main~1"], ["checkout", "--json", "raw@main"],
        ]
        for arguments in arrays {
            let result = project.run(arguments)
            #expect(throws: Never.self, "dver \(arguments.joined(separator: " ")): \(result.stdout)") {
                _ = try result.jsonArray()
            }
        }
        let objects: [[String]] = [["du", "--json"], ["fsck", "--json"], ["gc", "--json"], ["cat-object", "--json", head],
                                   ["hash-object", "--json", "data/raw/a.csv"]]
        for arguments in objects {
            let result = project.run(arguments)
            #expect(throws: Never.self, "dver \(arguments.joined(separator: " ")): \(result.stdout)") {
                _ = try result.json()
            }
        }
        let restored = project.run(["restore", "--json", "data/raw/a.csv"])
        #expect(throws: Never.self, "\(restored)") { _ = try restored.json() }
    }

    @Test("-q silences human output that the same command prints without it")
    func quietSilencesHumanOutput() throws {
        let loud = try TestProject(initialize: false)
        let quiet = try TestProject(initialize: false)
        let steps: [[String]] = [
            ["init"], ["add", "data/raw"], ["commit", "-m", "one"], ["branch", "exp"], ["checkout", "raw@exp"],
            ["repo", "create", "empty"], ["rm", "--cached", "data/raw/b.txt"], ["restore", "--staged", "data/raw/b.txt"],
            ["fsck"],
        ]
        for project in [loud, quiet] {
            try project.write("data/raw/a.csv", "1,2\n")
            try project.write("data/raw/b.txt", "b\n")
        }
        for step in steps {
            let spoken = loud.run(step)
            let silent = quiet.run(step + ["-q"])
            #expect(!spoken.output.isEmpty, "dver \(step.joined(separator: " ")) printed nothing without -q")
            #expect(silent.stdout.isEmpty, "dver \(step.joined(separator: " ")) -q printed: \(silent.stdout)")
            #expect(silent.stderr.isEmpty, "dver \(step.joined(separator: " ")) -q printed on stderr: \(silent.stderr)")
        }
        // -q keeps the data a command exists to print.
        #expect(quiet.run(["cat", "raw@main:a.csv"]).stdout == "1,2\n")
        #expect(!quiet.run(["log", "-q"]).stdout.isEmpty)
    }
}
