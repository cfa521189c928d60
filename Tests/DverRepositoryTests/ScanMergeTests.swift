import DverCore
import DverRepository
import DverStore
import DverSystem
import DverTestSupport
import Testing

@Suite("add's scan merged with the index")
struct ScanMergeTests {
    @Test("files turned into directories and back, vanished subtrees, edits and new files: changed, gone and unchanged")
    func changedGoneUnchanged() throws {
        let ws = try Workspace.make([
            "data/raw/a": "file a\n", "data/raw/a.b": "1\n", "data/raw/d/x": "2\n", "data/raw/d/y/z": "3\n",
            "data/raw/gone/p": "4\n", "data/raw/gone/q/r": "5\n", "data/raw/keep": "6\n", "data/raw/edit": "7\n",
        ])
        try ws.add("data/raw")
        _ = try ws.commit("one")
        try ws.delete("data/raw/a")
        try ws.write("data/raw/a/inside", "now a directory\n")  // a file became a directory
        try ws.delete("data/raw/d")
        try ws.write("data/raw/d", "now a file\n")  // a directory became a file
        try ws.delete("data/raw/gone")
        try ws.write("data/raw/edit", "7 edited\n")
        try ws.write("data/raw/new/n", "8\n")
        let index = try ws.index()
        let scan = try WorkspaceScanner.scan("data/raw", root: ws.project.root, index: index)
        let changed = scan.changed.joined().map { ($0.path, $0.position.map { index.entries[$0].path }) }
        #expect(changed.map(\.0) == ["data/raw/a/inside", "data/raw/d", "data/raw/edit", "data/raw/new/n"])
        #expect(changed.map(\.1) == [nil, nil, "data/raw/edit", nil])
        #expect(scan.gone.map { index.entries[$0].path }
            == ["data/raw/a", "data/raw/d/x", "data/raw/d/y/z", "data/raw/gone/p", "data/raw/gone/q/r"])
        #expect(scan.unchanged == 2)  // a.b and keep

        let result = try ws.add("data/raw")
        #expect((result.added, result.modified, result.deleted, result.unchanged) == (3, 1, 5, 2))
        let after = try ws.index()
        // Deleted paths stay as staged deletions until the commit; the rest match the disk.
        #expect(after.entries.filter { $0.staged != nil }.map(\.path)
            == ["data/raw/a.b", "data/raw/a/inside", "data/raw/d", "data/raw/edit", "data/raw/keep", "data/raw/new/n"])
        _ = try ws.commit("two")
        #expect(try ws.status("raw").isClean)
        #expect(try ws.index().entries.map(\.path)
            == ["data/raw/a.b", "data/raw/a/inside", "data/raw/d", "data/raw/edit", "data/raw/keep", "data/raw/new/n"])
    }

    @Test("random trees changed at random: after add and commit, the index is exactly the files on disk", arguments: [1, 2, 3, 4, 5, 6])
    func randomRounds(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        let names = ["a", "a.b", "a0", "b", "b-c", "c", "é", "z"]
        func randomPath() -> String {
            let depth = Int(generator.next() % 3) + 1
            return "data/raw/" + (0..<depth).map { _ in names[Int(generator.next() % UInt64(names.count))] }.joined(separator: "/")
        }
        let ws = try Workspace.make(["data/raw/start": "0\n"])
        try ws.add("data/raw")
        var files = ["data/raw/start": "0\n"]
        for round in 0..<6 {
            for _ in 0..<12 {
                let path = randomPath()
                switch generator.next() % 3 {
                case 0:
                    // Delete a file or a whole directory.
                    if ws.exists(path) { try ws.delete(path) }
                    files = files.filter { $0.key != path && !$0.key.hasPrefix(path + "/") }
                default:
                    // Write a file, removing whatever is in the way (a directory there, files above).
                    let text = "\(round) \(generator.next())\n"
                    var parent = RepoPath.parent(path)
                    while parent != "data/raw" {
                        if files[parent] != nil {
                            try ws.delete(parent)
                            files[parent] = nil
                        }
                        parent = RepoPath.parent(parent)
                    }
                    try ws.delete(path)
                    files = files.filter { !$0.key.hasPrefix(path + "/") }
                    try ws.write(path, .bytes(Array(text.utf8)))
                    files[path] = text
                }
            }
            try ws.add("data/raw")
            if round % 2 == 1 { _ = try ws.commit("round \(round)") }
            let index = try ws.index()
            let staged = index.entries.filter { $0.staged != nil }
            #expect(staged.map(\.path) == files.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "round \(round)")
            for entry in staged {
                #expect(entry.staged?.id == SHA256.hash(files[entry.path] ?? ""), "\(entry.path) in round \(round)")
            }
            #expect(zip(index.entries, index.entries.dropFirst()).allSatisfy { $0.path.precedesInByteOrder($1.path) })
        }
    }

    @Test("several paths in one add, overlapping or not, and a named file that became a directory")
    func severalPaths() throws {
        let ws = try Workspace.make(["data/raw/a": "1\n", "data/raw/sub/b": "2\n", "data/raw/x": "3\n", "data/ref/c": "4\n"])
        try ws.add("data/raw", "data/ref")
        _ = try ws.commit("one")
        try ws.write("data/raw/a", "1 edited\n")
        try ws.write("data/raw/sub/new", "5\n")
        try ws.write("data/ref/d", "6\n")
        let overlapping = try ws.add("data/raw/sub", "data/raw", "data/ref")
        #expect((overlapping.added, overlapping.modified) == (2, 1))
        try ws.delete("data/raw/x")
        try ws.write("data/raw/x/inside", "7\n")
        let named = try ws.add("data/raw/x")
        #expect((named.added, named.deleted) == (1, 1))
        _ = try ws.commit("two")
        #expect(try ws.status("raw").isClean && ws.status("ref").isClean)
        #expect(try ws.index().entries.map(\.path)
            == ["data/raw/a", "data/raw/sub/b", "data/raw/sub/new", "data/raw/x/inside", "data/ref/c", "data/ref/d"])
    }

    @Test("apply removes and inserts in place, keeping byte order", arguments: [1, 2, 3, 4])
    func applyMatchesASortedMerge(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let universe = (0..<60).map { "p/\($0 % 7)/\($0)" }.sorted { $0.precedesInByteOrder($1) }
        for _ in 0..<50 {
            let present = universe.filter { _ in generator.next() % 2 == 0 }
            var index = WorkspaceIndex(entries: present.map { IndexEntry(path: $0, staged: nil, base: nil, stat: .empty) })
            let removals = present.indices.filter { _ in generator.next() % 4 == 0 }
            let absent = universe.filter { !present.contains($0) }
            let insertions = absent.filter { _ in generator.next() % 3 == 0 }
            index.apply(removing: removals, inserting: insertions.map { IndexEntry(path: $0, staged: nil, base: nil, stat: .empty) })
            let removed = Set(removals.map { present[$0] })
            let expected = (present.filter { !removed.contains($0) } + insertions).sorted { $0.precedesInByteOrder($1) }
            #expect(index.entries.map(\.path) == expected)
        }
    }

    @Test("replace sorts its entries in place, whatever order they come in", arguments: [1, 2, 3])
    func replaceSorts(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let paths = (0..<200).map { "d/\($0 % 9)/\($0)" } + ["d/a", "d/a.b", "d/a/x", "d/a0"]
        let shuffled = paths.shuffled(using: &generator)
        var index = WorkspaceIndex(entries: [IndexEntry(path: "c", staged: nil, base: nil, stat: .empty)])
        index.replace(under: "d", with: shuffled.map { IndexEntry(path: $0, staged: nil, base: nil, stat: .empty) })
        #expect(index.entries.map(\.path) == ["c"] + paths.sorted { $0.precedesInByteOrder($1) })
        index.replace(under: "", with: shuffled.map { IndexEntry(path: $0, staged: nil, base: nil, stat: .empty) })
        #expect(index.entries.map(\.path) == paths.sorted { $0.precedesInByteOrder($1) })
    }

    @Test("two directories whose names differ only in Unicode normalization are refused, even with different files in them")
    func equivalentDirectories() throws {
        let ws = try Workspace.make(["data/raw/caf\u{E9}/a": "1\n", "data/raw/cafe\u{301}/b": "2\n"])
        let pair = expectThrows({ try ws.add("data/raw") }) { (error: RepositoryError) in
            if case .equivalentNames(let first, let second) = error { [first, second] } else { nil }
        }
        #expect(Set(pair ?? []) == ["data/raw/caf\u{E9}", "data/raw/cafe\u{301}"])
        #expect(try ws.index().entries.isEmpty)
    }
}
