import DverCore
import Foundation
import Testing

/// Pipeline specs travelling with the data through a directory remote, end to end through the
/// `dver` binary with the local runtime: push publishes them, clone and pull bring them (with
/// their output repos), specs changed on both sides are refused, and a remote that lies about
/// its specs is refused with nothing saved.
@Suite("CLI: pipelines travel with the data")
struct PipelineTravelTests {
    static let upper = "for f in $DVER_PFS/raw/*; do tr a-z A-Z < $f > $DVER_OUTPUT/$(basename $f); done"
    static let reversed = "for f in $DVER_PFS/raw/*; do rev < $f > $DVER_OUTPUT/$(basename $f); done"

    /// Project A with raw data and pipeline `upper` (output mounted at `mount`), pushed to a
    /// directory remote beside it.
    static func source(mount: String? = nil, run: Bool = false) throws -> (a: TestProject, remote: String) {
        let a = try TestProject()
        try a.write("data/raw/a.txt", "apple\n")
        try a.write("data/raw/b.txt", "banana\n")
        a.run(["add", "-q", "data/raw"])
        a.run(["commit", "-q", "-m", "one", "--no-trigger"])
        try a.write("pipelines/upper.yaml", PipelineCommandTests.spec("upper", cmd: upper))
        a.run(["pipeline", "create", "pipelines/upper.yaml"] + (mount.map { ["--path", $0] } ?? []) + (run ? ["--run"] : []))
        let remote = "\(a.outside)/remote"
        a.run(["remote", "add", "-q", "origin", remote])
        #expect(a.run(["push"]).stdout.contains("pipeline upper: new at"))
        return (a, remote)
    }

    /// A clone of `remote` in a directory beside `a`.
    static func clone(_ remote: String, beside a: TestProject, as name: String = "b") -> String {
        let result = a.run(["clone", remote, name], in: a.outside)
        #expect(result.stdout.contains("pipeline upper: new at"), "\(result)")
        return "\(a.outside)/\(name)"
    }

    static func specHash(_ project: TestProject, in directory: String? = nil) throws -> String? {
        try project.run(["pipeline", "list", "--json"], in: directory).jsonArray().first { $0["name"] as? String == "upper" }?["spec_hash"] as? String
    }

    @Test("a clone has the pipeline, with the same spec hash and its output repo at data/NAME, and runs it")
    func cloneRuns() throws {
        let (a, remote) = try Self.source()
        let b = Self.clone(remote, beside: a)
        #expect(try Self.specHash(a, in: b) == (try Self.specHash(a)))
        let repos = try a.run(["repo", "list", "--json"], in: b).jsonArray()
        #expect(repos.first { $0["name"] as? String == "upper" }?["mount"] as? String == "data/upper")
        #expect(a.run(["pipeline", "inspect", "upper"], in: b).stdout.contains("from remote 'origin'"))
        #expect(a.run(["pipeline", "run", "upper"], in: b).stdout.contains("2 datums: 2 ran, 0 skipped, 0 failed"))
        #expect(try a.read("\(b)/data/upper/a.txt") == Array("APPLE\n".utf8))
    }

    @Test("an output repo that was pushed (at its own mount) is reused by the clone, not created again")
    func outputRepoReused() throws {
        let (a, remote) = try Self.source(mount: "results/upper", run: true)
        let b = Self.clone(remote, beside: a)
        #expect(try a.read("\(b)/results/upper/b.txt") == Array("BANANA\n".utf8))
        #expect(!a.exists("\(b)/data/upper"))
        #expect(a.run(["pipeline", "run", "upper"], in: b).stdout.contains("succeeded"))
        #expect(a.run(["status"], in: b).stdout.contains("repo upper (results/upper/"))
    }

    @Test("a spec changed in A and pushed is pulled by B, whose next run uses it")
    func updatePulled() throws {
        let (a, remote) = try Self.source()
        let b = Self.clone(remote, beside: a)
        try a.write("pipelines/upper.yaml", PipelineCommandTests.spec("upper", cmd: Self.reversed))
        a.run(["pipeline", "update", "pipelines/upper.yaml"])
        #expect(a.run(["push"]).stdout.contains("(updated)"))
        #expect(a.run(["fetch"], in: b).stdout.contains("pipeline upper@origin:"))
        let pulled = try a.run(["pull", "--json"], in: b).jsonObject()
        #expect((pulled["pipelines"] as? [[String: Any]])?.first?["result"] as? String == "updated")
        #expect(try Self.specHash(a, in: b) == (try Self.specHash(a)))
        a.run(["pipeline", "run", "upper"], in: b)
        #expect(try a.read("\(b)/data/upper/a.txt") == Array("elppa\n".utf8))
    }

    @Test("a spec changed on both sides: pull refused (exit 2) and push refused (exit 1) naming it, nothing changed; --force takes a side")
    func conflict() throws {
        let (a, remote) = try Self.source()
        let b = Self.clone(remote, beside: a)
        try a.write("pipelines/upper.yaml", PipelineCommandTests.spec("upper", cmd: Self.reversed))
        a.run(["pipeline", "update", "-q", "pipelines/upper.yaml"])
        a.run(["push", "-q"])
        try a.write("\(b)/mine.yaml", PipelineCommandTests.spec("upper", cmd: "echo mine > $DVER_OUTPUT/x"))
        a.run(["pipeline", "update", "-q", "mine.yaml"], in: b)
        let mine = try Self.specHash(a, in: b)

        let pull = a.run(["pull"], expect: 2, in: b)
        #expect(pull.stderr.contains("pull from 'origin' refused: pipeline 'upper' was changed both here and on 'origin'"), "\(pull)")
        #expect(pull.stderr.contains("dver pull --force origin"))
        #expect(try Self.specHash(a, in: b) == mine)
        let push = a.run(["push"], expect: 1, in: b)
        #expect(push.stderr.contains("push to 'origin' refused: pipeline 'upper' was changed both here"), "\(push)")

        let forced = try a.run(["pull", "--force", "--json"], in: b).jsonObject()
        #expect((forced["pipelines"] as? [[String: Any]])?.first?["result"] as? String == "forced")
        #expect(try Self.specHash(a, in: b) == (try Self.specHash(a)))
        #expect(a.run(["push"], in: b).stdout.contains("Everything up to date"))
    }

    @Test("in a git project, a pull that adds a pipeline keeps the repos it created out of git (.gitignore block)",
          .enabled(if: gitIsInstalled, "git is not installed"))
    func pulledReposIgnored() throws {
        let (a, remote) = try Self.source()
        defer { withExtendedLifetime(a) {} }   // the remote lives beside A
        let c = try TestProject(initialize: false)
        try c.git(["init", "-q"])
        c.run(["init", "-q"])
        c.run(["remote", "add", "-q", "origin", remote])
        c.run(["pull"])
        let ignore = try String(contentsOfFile: c.path(".gitignore"), encoding: .utf8)
        #expect(ignore.contains("/data/raw/") && ignore.contains("/data/upper/"), "\(ignore)")
    }

    /// One way a remote can lie about a spec, and what the refusal must say.
    struct Attack: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let expected: String
        /// Changes the remote (its root given) that holds the valid spec `upper`.
        let apply: @Sendable (String) throws -> Void
    }

    /// The remote's index.json, its valid spec's name and canonical JSON text.
    static func remoteSpec(_ root: String) throws -> (index: [String: Any], hash: String, text: String) {
        let index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(root)/index.json"))) as? [String: Any])
        let hash = try #require((index["pipelines"] as? [String: String])?["upper"])
        return (index, hash, try String(contentsOfFile: "\(root)/pipelines/\(hash).json", encoding: .utf8))
    }

    /// Stores `text` as a spec blob (named by its hash unless `named`) listed as `name`, alone.
    static func list(_ text: String, as name: String, named: String? = nil, in root: String) throws {
        var (index, _, _) = try remoteSpec(root)
        let hash = named ?? SHA256.hash(Array(text.utf8)).hex
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(root)/pipelines/\(hash).json"))
        index["pipelines"] = [name: hash]
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]).write(to: URL(fileURLWithPath: "\(root)/index.json"))
    }

    /// The remote's spec text with `old` replaced by `new`, which must occur in it.
    static func edited(_ root: String, _ old: String, _ new: String) throws -> String {
        let text = try remoteSpec(root).text
        try #require(text.contains(old), "\(old) not in \(text)")
        return text.replacingOccurrences(of: old, with: new)
    }

    static let attacks: [Attack] = [
        Attack(testDescription: "a blob that does not hash to its name", expected: "does not hash to its name") { root in
            let (_, hash, _) = try remoteSpec(root)
            try list(try edited(root, "tr a-z A-Z", "rm -rf ~; true"), as: "upper", named: hash, in: root)
        },
        Attack(testDescription: "a spec whose name differs from its index entry", expected: "it names pipeline 'other'") { root in
            try list(try edited(root, "\"name\":\"upper\"", "\"name\":\"other\""), as: "upper", in: root)
        },
        Attack(testDescription: "a spec naming output repo ../x, listed as x", expected: "it names pipeline '../x'") { root in
            try list(try edited(root, "\"name\":\"upper\"", "\"name\":\"../x\""), as: "x", in: root)
        },
        Attack(testDescription: "a spec naming output repo ../x, listed as ../x", expected: "pipeline name '../x'") { root in
            try list(try edited(root, "\"name\":\"upper\"", "\"name\":\"../x\""), as: "../x", in: root)
        },
        Attack(testDescription: "a spec with an invalid glob", expected: "bad glob '/(*.csv'") { root in
            try list(try edited(root, "\"glob\":\"/*\"", "\"glob\":\"/(*.csv\""), as: "upper", in: root)
        },
        Attack(testDescription: "a spec with an unknown field", expected: "not in canonical form") { root in
            try list(try edited(root, "\"description\":", "\"hook\":\"x\",\"description\":"), as: "upper", in: root)
        },
        Attack(testDescription: "a pipelines entry with a bad name", expected: "pipeline name 'a/b'") { root in
            try list(try remoteSpec(root).text, as: "a/b", in: root)
        },
    ]

    @Test("a remote lying about a spec: clone and pull exit 3 naming it, and save nothing", arguments: attacks)
    func hostile(_ attack: Attack) throws {
        let (a, remote) = try Self.source()
        try attack.apply(remote)
        let clone = a.run(["clone", remote, "b"], expect: 3, in: a.outside)
        #expect(clone.stderr.contains(attack.expected), "\(clone)")
        #expect(!a.exists("\(a.outside)/b"))

        let c = try TestProject()
        c.run(["remote", "add", "-q", "origin", remote])
        let pull = c.run(["pull"], expect: 3)
        #expect(pull.stderr.contains(attack.expected), "\(pull)")
        #expect(try c.run(["pipeline", "list", "--json"]).jsonArray().isEmpty)
        #expect(try c.run(["repo", "list", "--json"]).jsonArray().isEmpty)
        #expect(!c.exists(".dver/remotes/origin/pipelines.json") && !c.exists(".dver/remotes/origin/pipelines"))
    }
}
