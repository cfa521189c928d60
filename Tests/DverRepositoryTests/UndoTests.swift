import DverCore
@testable import DverRepository
import DverStore
import Foundation
import Testing

/// reset, revert, branch -f and branch -m.
@Suite("Undo: reset, revert, branch moves")
struct UndoTests {
    /// raw with three commits: a=1; a=2,b=1; a=3.
    static func history() throws -> Workspace {
        let ws = try Workspace.make(["data/raw/a": "1\n"])
        try ws.add("data/raw")
        try ws.commit("one")
        try ws.write("data/raw/a", "2\n")
        try ws.write("data/raw/b", "1\n")
        try ws.add("data/raw")
        try ws.commit("two")
        try ws.write("data/raw/a", "3\n")
        try ws.add("data/raw")
        try ws.commit("three")
        return ws
    }

    @Test("reset without --hard keeps the files, which show as not staged; with --hard the workspace follows")
    func reset() throws {
        let ws = try Self.history()
        let two = try ws.commitID("raw@main~1")
        let soft = try ws.project.reset(RevisionSpec(parsing: "raw@main~1"), hard: false)
        #expect(soft.commit == two && soft.unstaged == 1)
        #expect(try ws.commitID("raw@main") == two)
        #expect(try ws.text("data/raw/a") == "3\n")
        let status = try ws.status("raw")
        #expect(status.staged.isEmpty && status.unstaged.map(\.path) == ["data/raw/a"])

        // Back to one: b (not in one) becomes untracked; --hard then refuses to lose a's edit.
        try ws.project.reset(RevisionSpec(parsing: "raw@main~1"), hard: false)
        #expect(try ws.status("raw").untracked == ["data/raw/b"])
        // --hard keeps edits the move does not touch (as checkout does) and refuses to overwrite others.
        #expect(throws: RepositoryError.self) { try ws.project.reset(RevisionSpec(parsing: "raw@\(two.hex)"), hard: true) }
        let hard = try ws.project.reset(RevisionSpec(parsing: "raw@\(two.hex)"), hard: true, force: true)
        #expect(hard.checkout != nil && hard.commit == two)
        #expect(try ws.text("data/raw/a") == "2\n")
        #expect(try ws.status("raw").isClean)
    }

    @Test("revert undoes a commit with a new one; a later change to the same path conflicts")
    func revert() throws {
        let ws = try Self.history()
        // Undo "two": b goes away; a was changed again by "three": conflict.
        let result = try ws.project.revert(RevisionSpec(parsing: "raw@main~1"))
        guard case .conflicts(let conflicts) = result.outcome else { Issue.record("\(result.outcome)"); return }
        #expect(conflicts.map(\.path) == ["data/raw/a"])
        #expect(!ws.exists("data/raw/b"))
        _ = try ws.project.resolveConflicts(["data/raw/a"], side: .ours)
        let committed = try ws.project.commit(message: nil)
        let commit = try ws.project.store.decodeCommit(try #require(committed.commits.first?.commit))
        #expect(commit.parents.count == 1 && commit.message.hasPrefix("Revert \"two\""))
        #expect(try ws.files("raw@main").keys.sorted() == ["data/raw/a"])
        #expect(try ws.text("data/raw/a") == "3\n")

        // Undo "three" cleanly: a back to 2.
        let clean = try ws.project.revert(RevisionSpec(parsing: "raw@main~1"))
        guard case .staged = clean.outcome else { Issue.record("\(clean.outcome)"); return }
        try ws.project.commit(message: nil)
        #expect(try ws.text("data/raw/a") == "2\n")
        // Reverting it again changes nothing.
        guard case .upToDate = try ws.project.revert(RevisionSpec(parsing: "raw@main~2")).outcome else { Issue.record("not up to date"); return }
    }

    @Test("branch -f moves another branch; the checked-out one is refused; -m renames, following the checkout")
    func branchMoves() throws {
        let ws = try Self.history()
        try ws.project.createBranch("exp", repo: "raw", at: "main~2")
        let (previous, info) = try ws.project.forceBranch("exp", repo: "raw", at: "main")
        #expect(try previous == ws.commitID("raw@main~2"))
        #expect(try info.commit == ws.commitID("raw@main"))
        #expect(throws: RepositoryError.self) { try ws.project.forceBranch("main", repo: "raw", at: "main~1") }
        try ws.project.renameBranch("main", to: "trunk", repo: "raw")
        #expect(try ws.project.repo(named: "raw").branch == "trunk")
        #expect(try ws.project.branches(of: "raw").map(\.name).sorted() == ["exp", "trunk"])
        #expect(try ws.status("raw").isClean)
        #expect(throws: RepositoryError.self) { try ws.project.renameBranch("exp", to: "trunk", repo: "raw") }
    }
}
