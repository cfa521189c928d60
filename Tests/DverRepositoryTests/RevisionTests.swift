import DverCore
import DverRepository
import DverStore
import Testing

@Suite("revisions: parsing, ancestry, id prefixes and branches")
struct RevisionTests {
    /// `raw` with commits c0…c3 on main; returns the ids oldest first.
    static func fourCommits() throws -> (Workspace, [ObjectID]) {
        let ws = try Workspace.make()
        var ids = [ObjectID]()
        for number in 0..<4 {
            try ws.write("data/raw/a.csv", .bytes(Array("\(number)\n".utf8)))
            try ws.add("data/raw")
            ids.append(try #require(try ws.commit("c\(number)").commits.first?.commit))
        }
        return (ws, ids)
    }

    @Test("parsing repo@revision:path", arguments: [
        ("raw", "raw", nil, nil),
        ("raw@main", "raw", "main", nil),
        ("raw@main~2", "raw", "main~2", nil),
        ("raw@3fa9c1:dir/file.csv", "raw", "3fa9c1", "dir/file.csv"),
        ("raw:file", "raw", nil, "file"),
        ("raw@", "raw", nil, nil),
        ("raw@main:/a/b/", "raw", "main", "a/b"),
    ] as [(String, String, String?, String?)])
    func parsing(text: String, repo: String, revision: String?, path: String?) {
        let spec = RevisionSpec(parsing: text)
        #expect(spec.repo == repo)
        #expect(spec.revision == revision)
        #expect(spec.path == path)
    }

    @Test("ancestry suffixes walk first parents", arguments: [
        ("raw", 3), ("raw@main", 3), ("raw@HEAD", 3), ("raw@main~1", 2), ("raw@main~2", 1), ("raw@main~3", 0),
        ("raw@main^", 2), ("raw@main^^", 1), ("raw@main~1^", 1), ("raw@HEAD~", 2), ("raw@main~0", 3),
    ])
    func ancestry(text: String, index: Int) throws {
        let (ws, ids) = try Self.fourCommits()
        #expect(try ws.commitID(text) == ids[index])
    }

    @Test("a branch name resolves with its branch; ancestors and ids resolve detached")
    func resolvedBranch() throws {
        let (ws, ids) = try Self.fourCommits()
        #expect(try ws.project.resolve(RevisionSpec(parsing: "raw@main")).branch == "main")
        #expect(try ws.project.resolve(RevisionSpec(parsing: "raw")).branch == "main")
        #expect(try ws.project.resolve(RevisionSpec(parsing: "raw@main~1")).branch == nil)
        #expect(try ws.project.resolve(RevisionSpec(parsing: "raw@\(ids[3].hex)")).branch == nil)
    }

    @Test("id prefixes of at least four digits resolve, in either case")
    func idPrefixes() throws {
        let (ws, ids) = try Self.fourCommits()
        for id in ids {
            #expect(try ws.commitID("raw@\(id.hex)") == id)
            #expect(try ws.commitID("raw@\(id.hex.prefix(10))") == id)
            #expect(try ws.commitID("raw@\(id.hex.prefix(10).uppercased())") == id)
            #expect(try ws.commitID("raw@\(id.hex.prefix(10))~0") == id)
        }
        #expect(try ws.commitID("raw@\(ids[3].hex.prefix(12))~2") == ids[1])
    }

    @Test("history shorter than the ancestry asked for is unknownRevision")
    func beyondHistory() throws {
        let (ws, _) = try Self.fourCommits()
        let reason = expectThrows({ try ws.commitID("raw@main~4") }) { (error: RepositoryError) in
            if case .unknownRevision(_, let reason) = error { reason } else { nil }
        }
        #expect(reason?.contains("3") == true)
    }

    @Test("unknown names, short or unmatched ids and ids of other repos are unknownRevision",
          arguments: ["nope", "abc", "zzzzzz", "0000000000000000", "other-repo-commit"])
    func unknownRevisions(revision: String) throws {
        let (ws, _) = try Self.fourCommits()
        try ws.write("data/other/x", "x\n")
        try ws.add("data/other")
        let other = try #require(try ws.commit("other").commits.first?.commit)
        let text = revision == "other-repo-commit" ? other.hex : revision
        expectThrows({ try ws.commitID("raw@\(text)") }) { (error: RepositoryError) in
            if case .unknownRevision = error { true } else { nil }
        }
    }

    @Test("a repo without commits has no HEAD")
    func noCommitsYet() throws {
        let ws = try Workspace.make()
        try ws.project.createRepo(name: "raw", mount: "data/raw")
        expectThrows({ try ws.commitID("raw") }) { (error: RepositoryError) in
            if case .unknownRevision = error { true } else { nil }
        }
        expectThrows({ try ws.checkout("raw@main") }) { (error: RepositoryError) in
            if case .unknownRevision = error { true } else { nil }
        }
    }

    @Test("an unknown repo is unknownRepo")
    func unknownRepo() throws {
        let (ws, _) = try Self.fourCommits()
        for text in ["nope", "nope@main", "nope@main~1"] {
            let name = expectThrows({ try ws.commitID(text) }) { (error: RepositoryError) in
                if case .unknownRepo(let name) = error { name } else { nil }
            }
            #expect(name == "nope")
        }
    }

    /// Stores commits of `raw` until two ids share their first four hex digits (a birthday
    /// search over messages, a few hundred commits), then resolves that prefix.
    @Test("a prefix shared by two commits of the repo is ambiguous and names both")
    func ambiguousPrefix() throws {
        let (ws, ids) = try Self.fourCommits()
        let tree = try ws.tree("raw")
        var byPrefix = [String: Commit]()
        var pair: (Commit, Commit)?
        for number in 0..<100_000 where pair == nil {
            let commit = Commit(repo: "raw", tree: tree, parents: [ids[3]], time: Int64(number), author: "test",
                                message: "probe \(number)", commitSet: nil)
            let prefix = String(SHA256.hash(commit.encoded()).hex.prefix(4))
            if let earlier = byPrefix[prefix] { pair = (earlier, commit) } else { byPrefix[prefix] = commit }
        }
        let (first, second) = try #require(pair)
        let writer = ws.project.makeWriter()
        let firstID = try writer.put(encoded: first.encoded(), kind: .commit)
        let secondID = try writer.put(encoded: second.encoded(), kind: .commit)
        _ = try writer.finish()

        let prefix = String(firstID.hex.prefix(4))
        let candidates = expectThrows({ try ws.commitID("raw@\(prefix)") }) { (error: RepositoryError) in
            if case .ambiguousRevision(_, let candidates) = error { candidates } else { nil }
        }
        #expect(Set(candidates ?? []) == [firstID.shortHex(), secondID.shortHex()])
        #expect(try ws.commitID("raw@\(firstID.hex.prefix(20))") == firstID)
    }

    @Test("branches are created at revisions, listed, and deleted unless checked out")
    func branches() throws {
        let (ws, ids) = try Self.fourCommits()
        let created = try ws.project.createBranch("exp/one", repo: "raw", at: "main~2")
        #expect(created.commit == ids[1])
        try ws.project.createBranch("tip", repo: "raw")
        #expect(try ws.project.branches(of: "raw").map(\.name) == ["exp/one", "main", "tip"])
        #expect(try ws.commitID("raw@tip") == ids[3])
        #expect(try ws.commitID("raw@exp/one~1") == ids[0])

        expectThrows({ try ws.project.createBranch("tip", repo: "raw") }) { (error: RepositoryError) in
            if case .branchExists(_, let branch) = error { branch } else { nil }
        }
        expectThrows({ try ws.project.createBranch("bad..name", repo: "raw") }) { (error: StoreError) in
            if case .invalidRefName = error { true } else { nil }
        }
        expectThrows({ try ws.project.deleteBranch("main", repo: "raw") }) { (error: RepositoryError) in
            if case .cannotDeleteCurrentBranch = error { true } else { nil }
        }
        let missing = expectThrows({ try ws.project.deleteBranch("nope", repo: "raw") }) { (error: RepositoryError) in
            if case .unknownBranch(let repo, let branch) = error { "\(repo)@\(branch)" } else { nil }
        }
        #expect(missing == "raw@nope")
        try ws.project.deleteBranch("exp/one", repo: "raw")
        #expect(try ws.project.branches(of: "raw").map(\.name) == ["main", "tip"])
        #expect(ws.project.store.contains(ids[1]), "a deleted branch's commits stay in the store")
    }
}
