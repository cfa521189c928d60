import DverCore
import DverRepository
import DverStore
import DverSystem
import Testing

@Suite("project: init, open, config, repos and disk usage")
struct ProjectTests {
    @Test("initializing twice is alreadyInitialized; open finds the project from a subdirectory")
    func initializeAndOpen() throws {
        let ws = try Workspace.make()
        expectThrows({ try Project.initialize(at: ws.root) }) { (error: RepositoryError) in
            if case .alreadyInitialized(let path) = error { path } else { nil }
        }
        try FileSystem.createDirectories(ws.absolute("data/raw/deep"))
        #expect(try Project.open(from: ws.absolute("data/raw/deep")).root == ws.root)
        try FileSystem.createDirectories(ws.absolute("plain"))
        try FileSystem.removeTree(ws.absolute(".dver"))
        expectThrows({ try Project.open(from: ws.absolute("plain")) }) { (error: StoreError) in
            if case .notAStore = error { true } else { nil }
        }
    }

    @Test("a store written by a newer format is refused")
    func newerFormat() throws {
        let ws = try Workspace.make()
        try FileSystem.writeAtomically(ws.project.layout.formatFile, text: "dver store format 99\n", durable: false)
        expectThrows({ try ws.openAgain() }) { (error: StoreError) in
            if case .newerFormat(_, let version, _) = error { version } else { nil }
        }
    }

    @Test("the configured codec is used, and an unknown one is invalidConfig")
    func compressionConfig() throws {
        let ws = try Workspace.make(["data/raw/t.csv": .csv(size: 300_000, seed: 40)])
        try FileSystem.writeAtomically(ws.project.layout.configFile, text: #"{"compression": "raw"}"#, durable: false)
        let raw = try ws.openAgain()
        try raw.add(["data/raw"])
        let usage = try raw.diskUsage()
        #expect(usage.uniqueBytes == 300_000)
        #expect(usage.uniqueStoredBytes == 300_000)

        try FileSystem.writeAtomically(ws.project.layout.configFile, text: #"{"compression": "lzma"}"#, durable: false)
        expectThrows({ try ws.openAgain() }) { (error: RepositoryError) in
            if case .invalidConfig = error { true } else { nil }
        }
    }

    @Test("repos are created at their mounts and listed by name")
    func createRepos() throws {
        let ws = try Workspace.make()
        let ref = try ws.project.createRepo(name: "ref", mount: "data/ref")
        try ws.project.createRepo(name: "alpha", mount: "models/alpha", branch: "trunk")
        #expect(ref.branch == "main")
        #expect(FileSystem.isDirectory(ws.absolute("data/ref")))
        #expect(try ws.project.repos().map(\.name) == ["alpha", "ref"])
        #expect(try ws.project.repo(named: "alpha").defaultBranch == "trunk")

        try ws.write("models/alpha/w.bin", .random(size: 1_000, seed: 41))
        try ws.add("models/alpha")
        let committed = try #require(try ws.commit().commits.first)
        #expect(committed.branch == "trunk")
        #expect(try ws.commitID("alpha@trunk") == committed.commit)
    }

    @Test("repo names must be plain", arguments: ["", ".hidden", "-flag", "a b", "a/b", String(repeating: "n", count: 101)])
    func invalidNames(name: String) throws {
        let ws = try Workspace.make()
        expectThrows({ try ws.project.createRepo(name: name, mount: "data/x") }) { (error: RepositoryError) in
            if case .invalidRepoName = error { true } else { nil }
        }
    }

    @Test("repos cannot share, nest in or contain another's mount", arguments: ["data/raw", "data/raw/sub", "data", ""])
    func overlappingMounts(mount: String) throws {
        let ws = try Workspace.make()
        try ws.project.createRepo(name: "raw", mount: "data/raw")
        expectThrows({ try ws.project.createRepo(name: "other", mount: mount) }) { (error: RepositoryError) in
            if case .mountOverlaps = error { true } else { nil }
        }
        expectThrows({ try ws.project.createRepo(name: "raw", mount: "elsewhere") }) { (error: RepositoryError) in
            if case .repoExists = error { true } else { nil }
        }
    }

    @Test("deleting a repo drops its refs and index entries but keeps files and objects")
    func deleteRepo() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n", "data/ref/b.csv": "b\n"])
        try ws.add("data/raw", "data/ref")
        let commits = try ws.commit().commits
        try ws.project.deleteRepo(name: "raw")
        #expect(try ws.project.repos().map(\.name) == ["ref"])
        #expect(try ws.index().entries.map(\.path) == ["data/ref/b.csv"])
        #expect(try ws.text("data/raw/a.csv") == "a\n")
        #expect(ws.project.store.contains(commits[0].commit))
        #expect(!FileSystem.exists("\(ws.project.layout.refsDirectory)/raw"))
        expectThrows({ try ws.project.deleteRepo(name: "raw") }) { (error: RepositoryError) in
            if case .unknownRepo = error { true } else { nil }
        }
        let again = try ws.add("data/raw")
        #expect(again.createdRepos.map(\.name) == ["raw"])
        #expect(try ws.project.fsck().isHealthy)
    }

    @Test("every operation naming an unknown repo is unknownRepo")
    func unknownRepo() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n"])
        try ws.add("data/raw")
        try ws.commit()
        let operations: [(String, () throws -> Void)] = [
            ("status", { _ = try ws.project.status(repos: ["nope"]) }),
            ("commit", { _ = try ws.project.commit(message: "m", repos: ["nope"]) }),
            ("checkout", { _ = try ws.checkout("nope@main") }),
            ("log", { _ = try ws.project.log(RevisionSpec(parsing: "nope")) }),
            ("diff", { _ = try ws.project.diffWorkspace(RevisionSpec(parsing: "nope")) }),
            ("branches", { _ = try ws.project.branches(of: "nope") }),
            ("createBranch", { _ = try ws.project.createBranch("b", repo: "nope") }),
            ("deleteBranch", { try ws.project.deleteBranch("b", repo: "nope") }),
            ("deleteRepo", { try ws.project.deleteRepo(name: "nope") }),
            ("diskUsage", { _ = try ws.project.diskUsage(repos: ["nope"]) }),
        ]
        for (name, operation) in operations {
            let reported = expectThrows(operation) { (error: RepositoryError) in
                if case .unknownRepo(let repo) = error { repo } else { nil }
            }
            #expect(reported == "nope", "\(name)")
        }
    }

    @Test("disk usage reports head and history sizes per repo and the store's bytes")
    func diskUsage() throws {
        let ws = try Workspace.make(["data/raw/a.bin": .random(size: 40_000, seed: 42), "data/raw/s/b.csv": "1234\n"])
        try ws.add("data/raw")
        try ws.commit()
        try ws.write("data/raw/c.bin", .random(size: 10_000, seed: 43))
        try ws.add("data/raw")
        try ws.commit()
        let usage = try ws.project.diskUsage()
        let raw = try #require(usage.repos.first)
        #expect(raw.name == "raw")
        #expect(raw.commits == 2)
        #expect(raw.headBytes == 50_005)
        #expect(raw.historyBytes == 40_005 + 50_005)
        #expect(usage.uniqueBytes == 50_005)
        #expect(usage.packs == ws.project.store.packIndexes.count)
        #expect(usage.storedBytes > usage.uniqueStoredBytes)
        #expect(usage.objects == ws.project.store.packIndexes.reduce(0) { $0 + $1.count })
    }
}
