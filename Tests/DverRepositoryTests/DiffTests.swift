import DverCore
import DverRepository
import DverStore
import Testing

@Suite("diff: between revisions and against the workspace")
struct DiffTests {
    struct Expected: Equatable, CustomStringConvertible {
        var path: String
        var kind: Change.Kind
        var oldSize: UInt64?
        var newSize: UInt64?

        init(_ path: String, _ kind: Change.Kind, _ oldSize: UInt64?, _ newSize: UInt64?) {
            self.path = path
            self.kind = kind
            self.oldSize = oldSize
            self.newSize = newSize
        }

        init(_ change: Change) { self.init(change.path, change.kind, change.old?.size, change.new?.size) }

        var description: String { "\(kind) \(path) \(oldSize.map(String.init) ?? "-")→\(newSize.map(String.init) ?? "-")" }
    }

    /// v0 and v1 of `raw`, with every kind of change between them.
    static func twoVersions() throws -> Workspace {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/raw/b.csv": "bb\n", "data/raw/d/x.csv": "x\n",
                                     "data/raw/gone.csv": "gone\n", "data/raw/p/q.csv": "q\n"])
        try ws.add("data/raw")
        try ws.commit("v0")
        try ws.write("data/raw/a.csv", "11\n")
        try ws.write("data/raw/d/y.csv", "yy\n")
        try ws.write("data/raw/new.csv", "new\n")
        try ws.delete("data/raw/gone.csv")
        try ws.delete("data/raw/p")
        try ws.write("data/raw/p", "now a file\n")
        try ws.add("data/raw")
        try ws.commit("v1")
        return ws
    }

    @Test("changes between two commits: added, modified, deleted, with sizes, in path order")
    func betweenCommits() throws {
        let ws = try Self.twoVersions()
        let changes = try ws.project.diffTrees(ws.tree("raw@main~1"), ws.tree("raw@main"), prefix: "data/raw")
        #expect(changes.map(Expected.init) == [
            Expected("data/raw/a.csv", .modified, 2, 3),
            Expected("data/raw/d/y.csv", .added, nil, 3),
            Expected("data/raw/gone.csv", .deleted, 5, nil),
            Expected("data/raw/new.csv", .added, nil, 4),
            Expected("data/raw/p", .added, nil, 11),
            Expected("data/raw/p/q.csv", .deleted, 2, nil),
        ])
        let reversed = try ws.project.diffTrees(ws.tree("raw@main"), ws.tree("raw@main~1"), prefix: "data/raw")
        #expect(reversed.map(\.path) == changes.map(\.path))
        #expect(reversed.map(\.kind) == [.modified, .deleted, .added, .deleted, .deleted, .added])
    }

    @Test("identical trees have no changes; a missing side makes everything added or deleted")
    func edges() throws {
        let ws = try Self.twoVersions()
        let tree = try ws.tree("raw")
        #expect(try ws.project.diffTrees(tree, tree, prefix: "data/raw").isEmpty)
        let added = try ws.project.diffTrees(nil, tree, prefix: "")
        #expect(added.map(\.path) == ["a.csv", "b.csv", "d/x.csv", "d/y.csv", "new.csv", "p"])
        #expect(added.allSatisfy { $0.kind == .added })
        #expect(try ws.project.diffTrees(tree, nil, prefix: "").allSatisfy { $0.kind == .deleted })
    }

    @Test("a mode change alone is a modification")
    func modeChange() throws {
        let ws = try Workspace.make(["data/raw/run.sh": "#!/bin/sh\n"])
        try ws.add("data/raw")
        try ws.commit()
        try ws.makeExecutable("data/raw/run.sh")
        try ws.add("data/raw")
        try ws.commit()
        let changes = try ws.project.diffTrees(ws.tree("raw@main~1"), ws.tree("raw"), prefix: "data/raw")
        #expect(changes.map(Expected.init) == [Expected("data/raw/run.sh", .modified, 10, 10)])
        #expect(changes.first?.new?.kind == .executable)
    }

    @Test("the workspace against the checked-out commit: staged and unstaged changes, not untracked files")
    func workspaceAgainstHead() throws {
        let ws = try Self.twoVersions()
        try ws.write("data/raw/a.csv", "111\n")
        try ws.add("data/raw/a.csv")
        try ws.write("data/raw/b.csv", "b\n")
        try ws.delete("data/raw/new.csv")
        try ws.write("data/raw/untracked.csv", "u\n")
        let changes = try ws.project.diffWorkspace(RevisionSpec(parsing: "raw"))
        #expect(changes.map(Expected.init) == [
            Expected("data/raw/a.csv", .modified, 3, 4),
            Expected("data/raw/b.csv", .modified, 3, 2),
            Expected("data/raw/new.csv", .deleted, 4, nil),
        ])
    }

    @Test("the workspace against an older revision includes committed changes")
    func workspaceAgainstOlder() throws {
        let ws = try Self.twoVersions()
        try ws.write("data/raw/b.csv", "b\n")
        let changes = try ws.project.diffWorkspace(RevisionSpec(parsing: "raw@main~1"))
        #expect(changes.map(\.path) == ["data/raw/a.csv", "data/raw/b.csv", "data/raw/d/y.csv", "data/raw/gone.csv",
                                        "data/raw/new.csv", "data/raw/p", "data/raw/p/q.csv"])
        #expect(try ws.project.diffWorkspace(RevisionSpec(parsing: "raw")).map(\.path) == ["data/raw/b.csv"])
    }

    @Test("before the first commit every staged file is added")
    func beforeFirstCommit() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/raw/b.csv": "2\n"])
        try ws.add("data/raw")
        let changes = try ws.project.diffWorkspace(RevisionSpec(parsing: "raw"))
        #expect(changes.map(Expected.init) == [Expected("data/raw/a.csv", .added, nil, 2),
                                               Expected("data/raw/b.csv", .added, nil, 2)])
    }
}
