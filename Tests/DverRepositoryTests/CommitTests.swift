import DverCore
import DverRepository
import DverStore
import DverSystem
import Testing

@Suite("commit: per-repo commits, commit sets, history")
struct CommitTests {
    static func twoRepos() throws -> Workspace {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/ref/labels.txt": "cat\n", "data/other/x": "x\n"])
        try ws.add("data/raw", "data/ref", "data/other")
        try ws.commit("first")
        return ws
    }

    @Test("one commit per repo with staged changes, all sharing one commit-set id")
    func sharedCommitSet() throws {
        let ws = try Self.twoRepos()
        try ws.write("data/raw/a.csv", "2\n")
        try ws.write("data/ref/labels.txt", "dog\n")
        try ws.write("data/other/x", "unstaged\n")
        try ws.add("data/raw", "data/ref")
        let result = try ws.commit("second")

        #expect(result.commits.map(\.repo) == ["raw", "ref"])
        let set = try #require(result.commitSet)
        for committed in result.commits {
            let commit = try ws.project.store.decodeCommit(committed.commit)
            #expect(commit.commitSet == set)
            #expect(commit.repo == committed.repo)
            #expect(commit.message == "second")
            #expect(commit.parents == [try #require(committed.parent)])
            #expect(committed.branch == "main")
            #expect(try ws.commitID("\(committed.repo)@main") == committed.commit)
        }
        #expect(result.commits.first?.changes == ChangeCounts(modified: 1))
        #expect(try ws.status("other").unstaged.count == 1, "unstaged changes are not committed")

        let records = try ws.project.commitSets(prefix: String(set.hex.prefix(8)))
        #expect(records.count == 1)
        #expect(records.first?.commits == ["raw": result.commits[0].commit.hex, "ref": result.commits[1].commit.hex])
    }

    @Test("commit limited to named repos leaves the others staged")
    func namedRepos() throws {
        let ws = try Self.twoRepos()
        try ws.write("data/raw/a.csv", "2\n")
        try ws.write("data/ref/labels.txt", "dog\n")
        try ws.add("data/raw", "data/ref")
        let result = try ws.commit("raw only", repos: ["raw"])
        #expect(result.commits.map(\.repo) == ["raw"])
        #expect(try ws.status("ref").staged.map(\.path) == ["data/ref/labels.txt"])
    }

    @Test("nothing staged is nothingToCommit, and nothing is written")
    func nothingToCommit() throws {
        let ws = try Self.twoRepos()
        try ws.write("data/raw/a.csv", "unstaged\n")
        let heads = try ["raw", "ref"].map { try ws.commitID($0) }
        let packs = ws.project.store.packIndexes.count
        let sets = try FileSystem.list(ws.project.layout.commitSetsDirectory).count
        expectThrows({ try ws.commit("empty") }) { (error: RepositoryError) in
            if case .nothingToCommit = error { true } else { nil }
        }
        #expect(try ["raw", "ref"].map { try ws.commitID($0) } == heads)
        #expect(ws.project.store.packIndexes.count == packs)
        #expect(try FileSystem.list(ws.project.layout.commitSetsDirectory).count == sets)
    }

    @Test("the first commit of a fresh project with nothing added is nothingToCommit")
    func emptyProject() throws {
        let ws = try Workspace.make()
        expectThrows({ try ws.commit() }) { (error: RepositoryError) in
            if case .nothingToCommit = error { true } else { nil }
        }
    }

    @Test("log is newest first along first parents, with messages, and honours the limit")
    func logOrder() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "0\n"])
        try ws.add("data/raw")
        var ids = [try #require(try ws.commit("c0").commits.first?.commit)]
        for number in 1...3 {
            try ws.write("data/raw/a.csv", .bytes(Array("\(number)\n".utf8)))
            try ws.add("data/raw")
            ids.append(try #require(try ws.commit("c\(number)").commits.first?.commit))
        }
        let log = try ws.project.log(RevisionSpec(parsing: "raw"))
        #expect(log.map(\.id) == ids.reversed())
        #expect(log.map(\.commit.message) == ["c3", "c2", "c1", "c0"])
        #expect(log.last?.commit.parents == [])
        for (child, parent) in zip(log, log.dropFirst()) { #expect(child.commit.parents == [parent.id]) }
        #expect(log.allSatisfy { $0.commit.repo == "raw" })
        #expect(try ws.project.log(RevisionSpec(parsing: "raw"), limit: 2).map(\.id) == [ids[3], ids[2]])
        #expect(try ws.project.log(RevisionSpec(parsing: "raw@main~2")).map(\.id) == [ids[1], ids[0]])
    }

    @Test("log of a repo without commits is empty")
    func emptyLog() throws {
        let ws = try Workspace.make()
        try ws.project.createRepo(name: "raw", mount: "data/raw")
        #expect(try ws.project.log(RevisionSpec(parsing: "raw")).isEmpty)
    }

    @Test("checking out a commit set restores every repo it names")
    func checkoutCommitSet() throws {
        let ws = try Self.twoRepos()
        try ws.write("data/raw/a.csv", "2\n")
        try ws.write("data/ref/labels.txt", "dog\n")
        try ws.add("data/raw", "data/ref")
        let set = try #require(try ws.commit("second").commitSet)
        try ws.write("data/raw/a.csv", "3\n")
        try ws.write("data/raw/extra.csv", "e\n")
        try ws.delete("data/ref/labels.txt")
        try ws.write("data/ref/new.txt", "n\n")
        try ws.add("data/raw", "data/ref")
        try ws.commit("third")

        let record = try #require(try ws.project.commitSets(prefix: set.hex).first)
        let results = try ws.project.checkout(commitSet: record, force: false)
        #expect(results.map(\.repo) == ["raw", "ref"])
        #expect(results.allSatisfy { $0.branch == nil })
        #expect(try ws.text("data/raw/a.csv") == "2\n")
        #expect(!ws.exists("data/raw/extra.csv"))
        #expect(try ws.text("data/ref/labels.txt") == "dog\n")
        #expect(!ws.exists("data/ref/new.txt"))
        #expect(try ws.status("raw").isClean && ws.status("ref").isClean)
        #expect(try ws.project.repos().first { $0.name == "raw" }?.detachedCommit == record.commits["raw"])
    }

    @Test("commitSets needs at least four hex digits")
    func commitSetPrefix() throws {
        let ws = try Self.twoRepos()
        let all = try ws.project.commitSets(prefix: "")
        #expect(all.isEmpty)
        #expect(try ws.project.commitSets(prefix: "zzzz").isEmpty)
    }

    @Test("a commit records the project's author and a tree of the staged files only")
    func commitContents() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/raw/b.csv": "2\n"])
        try ws.project.createRepo(name: "raw", mount: "data/raw")
        try ws.add("data/raw/a.csv")
        let id = try #require(try ws.commit("partial").commits.first?.commit)
        let commit = try ws.project.store.decodeCommit(id)
        #expect(commit.author == ws.project.author)
        #expect(!commit.author.isEmpty)
        #expect(try ws.files("raw").keys.sorted() == ["data/raw/a.csv"])
        #expect(try TreeReader(store: ws.project.store).entries(commit.tree).map(\.name) == ["a.csv"])
    }
}
