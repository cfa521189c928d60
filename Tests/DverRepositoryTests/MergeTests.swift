import DverCore
@testable import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// `Project.merge` on real trees: every combination of one-sided and two-sided changes, checked
/// against a model of the three-way rule; fast-forwards, conflicts and their resolution, abort,
/// rules, large directories whose tree nodes split.
@Suite("Merge")
struct MergeTests {
    /// What one side does to a path.
    enum Action: String, CaseIterable, Sendable {
        case keep, modifyA, modifyB, delete, executable, symlink
    }

    /// The content a path has after `action` on a base that holds `base` (nil: absent).
    static func content(_ action: Action, path: String, base: String?) -> FileContent? {
        switch action {
        case .keep: return base.map { FileContent(stringLiteral: $0) }
        case .modifyA: return FileContent(stringLiteral: "A:\(path)\n")
        case .modifyB: return FileContent(stringLiteral: "B:\(path)\n")
        case .delete: return nil
        case .executable: return .executable(base ?? "new exec \(path)\n")
        case .symlink: return .symlink(to: "target")
        }
    }

    /// A description of content for comparisons: kind and bytes (or target).
    static func describe(_ content: FileContent?) -> String {
        guard let content else { return "absent" }
        switch content.kind {
        case .bytes(let bytes, let executable): return (executable ? "x:" : "f:") + String(decoding: bytes, as: UTF8.self)
        case .symlink(let target): return "l:" + target
        case .fifo: return "fifo"
        }
    }

    struct Scenario {
        var paths: [String: (base: String?, ours: Action, theirs: Action)] = [:]
    }

    /// Every pair of actions, on a path the base has and (for additions) one it lacks, half of
    /// them in nested directories.
    static func everyCombination() -> Scenario {
        var scenario = Scenario()
        var number = 0
        for ours in Action.allCases {
            for theirs in Action.allCases {
                let directory = number % 2 == 0 ? "data/raw" : "data/raw/deep/er"
                let present = "\(directory)/p\(number)"
                scenario.paths[present] = (base: "base \(number)\n", ours: ours, theirs: theirs)
                // On an absent path, "keep" and "delete" mean absent; the rest add.
                let absent = "\(directory)/n\(number)"
                scenario.paths[absent] = (base: nil, ours: ours, theirs: theirs)
                number += 1
            }
        }
        return scenario
    }

    /// Builds base → main (ours) and base → feature (theirs), with main checked out.
    static func build(_ scenario: Scenario) throws -> Workspace {
        var files = [String: FileContent]()
        for (path, item) in scenario.paths { if let base = item.base { files[path] = FileContent(stringLiteral: base) } }
        files["data/raw/target"] = "symlink target\n"
        let ws = try Workspace.make(files)
        try ws.add("data/raw")
        try ws.commit("base")
        _ = try ws.project.createBranch("feature", repo: "raw")
        func apply(_ side: KeyPath<(base: String?, ours: Action, theirs: Action), Action>) throws {
            for (path, item) in scenario.paths {
                let wanted = content(item[keyPath: side], path: path, base: item.base)
                if let wanted { try ws.write(path, wanted) } else if ws.exists(path) { try ws.delete(path) }
            }
            try ws.add("data/raw")
        }
        try apply(\.ours)
        try ws.commit("ours")
        try ws.checkout("raw@feature")
        try apply(\.theirs)
        try ws.commit("theirs")
        try ws.checkout("raw@main")
        return ws
    }

    /// The three-way rule: one side changed → that side; both changed alike → it; else conflict.
    static func expected(_ item: (base: String?, ours: Action, theirs: Action), path: String) -> (content: String, conflict: Bool) {
        let base = describe(item.base.map { FileContent(stringLiteral: $0) })
        let ours = describe(content(item.ours, path: path, base: item.base))
        let theirs = describe(content(item.theirs, path: path, base: item.base))
        if ours == theirs { return (ours, false) }
        if ours == base { return (theirs, false) }
        if theirs == base { return (ours, false) }
        return (ours, true)
    }

    /// The workspace content of a path as `describe` writes it.
    static func workspaceContent(_ ws: Workspace, _ path: String) throws -> String {
        guard let status = try? ws.stat(path) else { return "absent" }
        switch status.kind {
        case .symlink: return "l:" + (try FileSystem.readLink(ws.absolute(path)))
        default: return (status.isExecutable ? "x:" : "f:") + (try ws.text(path))
        }
    }

    @Test("every combination of keep/modify/delete/type change on both sides: the three-way rule, conflicts listed")
    func everyCombinationMerges() throws {
        let scenario = Self.everyCombination()
        let ws = try Self.build(scenario)
        let result = try ws.project.merge(RevisionSpec(parsing: "raw@feature"))
        guard case .conflicts(let conflicts) = result.outcome else { Issue.record("no conflicts: \(result.outcome)"); return }
        let expectedConflicts = scenario.paths.filter { Self.expected($0.value, path: $0.key).conflict }.map(\.key)
        #expect(Set(conflicts.map(\.path)) == Set(expectedConflicts))
        for (path, item) in scenario.paths {
            let expected = Self.expected(item, path: path)
            // Conflicts keep ours in the workspace; everything else is merged.
            #expect(try Self.workspaceContent(ws, path) == expected.content, "\(path): ours \(item.ours) theirs \(item.theirs)")
        }
        let status = try ws.status("raw")
        #expect(status.merge?.unresolved.count == expectedConflicts.count && status.unstaged.isEmpty)

        // Commit is refused until every conflict is resolved.
        #expect(throws: RepositoryError.self) { try ws.project.commit(message: nil) }
        _ = try ws.project.resolveConflicts(["data/raw"], side: .theirs)
        let committed = try ws.project.commit(message: nil)
        let merge = try ws.project.store.decodeCommit(try #require(committed.commits.first?.commit))
        #expect(merge.parents == [try ws.commitID("raw@main~1"), try ws.commitID("raw@feature")])
        #expect(merge.message == "Merge raw@feature into raw@main")
        for (path, item) in scenario.paths {
            let expected = Self.expected(item, path: path)
            let theirs = Self.describe(Self.content(item.theirs, path: path, base: item.base))
            #expect(try Self.workspaceContent(ws, path) == (expected.conflict ? theirs : expected.content), "\(path)")
        }
        // The commit holds exactly the workspace: status is clean and a fresh checkout agrees.
        #expect(try ws.status("raw").isClean)
        #expect(try ws.project.mergesInProgress().isEmpty)
    }

    @Test("--strategy ours and theirs settle every conflict; the merge commits at once")
    func strategies() throws {
        for side in MergeSide.allCases {
            let scenario = Self.everyCombination()
            let ws = try Self.build(scenario)
            let result = try ws.project.merge(RevisionSpec(parsing: "raw@feature"), options: MergeOptions(strategy: side))
            guard case .staged = result.outcome else { Issue.record("\(side): \(result.outcome)"); continue }
            #expect(result.settled.count == scenario.paths.filter { Self.expected($0.value, path: $0.key).conflict }.count)
            try ws.project.commit(message: nil)
            for (path, item) in scenario.paths {
                let expected = Self.expected(item, path: path)
                let chosen = Self.describe(Self.content(side == .ours ? item.ours : item.theirs, path: path, base: item.base))
                #expect(try Self.workspaceContent(ws, path) == (expected.conflict ? chosen : expected.content), "\(side) \(path)")
            }
        }
    }

    @Test("per-path rules: --ours 'labels/**' keeps ours there, the rest stop as conflicts")
    func pathRules() throws {
        let ws = try Workspace.make(["data/raw/labels/a.json": "base a\n", "data/raw/images/b.png": "base b\n"])
        try ws.add("data/raw")
        try ws.commit("base")
        _ = try ws.project.createBranch("feature", repo: "raw")
        try ws.write("data/raw/labels/a.json", "ours a\n")
        try ws.write("data/raw/images/b.png", "ours b\n")
        try ws.add("data/raw")
        try ws.commit("ours")
        try ws.checkout("raw@feature")
        try ws.write("data/raw/labels/a.json", "theirs a\n")
        try ws.write("data/raw/images/b.png", "theirs b\n")
        try ws.add("data/raw")
        try ws.commit("theirs")
        try ws.checkout("raw@main")
        let result = try ws.project.merge(RevisionSpec(parsing: "raw@feature"), options: MergeOptions(ours: [PathPattern("labels/**")!]))
        guard case .conflicts(let conflicts) = result.outcome else { Issue.record("\(result.outcome)"); return }
        #expect(conflicts.map(\.path) == ["data/raw/images/b.png"])
        #expect(result.settled.map(\.path) == ["data/raw/labels/a.json"])

        // Resolving by editing and adding.
        try ws.write("data/raw/images/b.png", "both b\n")
        try ws.add("data/raw/images/b.png")
        try ws.project.commit(message: "merged by hand")
        #expect(try ws.text("data/raw/labels/a.json") == "ours a\n")
        #expect(try ws.text("data/raw/images/b.png") == "both b\n")
        #expect(try ws.project.store.decodeCommit(try ws.commitID("raw@main")).parents.count == 2)
    }

    @Test("fast-forward when the branch has not moved; nothing when already merged")
    func fastForwardAndUpToDate() throws {
        let ws = try Workspace.make(["data/raw/a": "1\n"])
        try ws.add("data/raw")
        try ws.commit("base")
        _ = try ws.project.createBranch("feature", repo: "raw")
        try ws.checkout("raw@feature")
        try ws.write("data/raw/b", "2\n")
        try ws.add("data/raw")
        try ws.commit("feature work")
        try ws.checkout("raw@main")
        let forward = try ws.project.merge(RevisionSpec(parsing: "raw@feature"))
        guard case .fastForward = forward.outcome else { Issue.record("\(forward.outcome)"); return }
        #expect(try ws.commitID("raw@main") == ws.commitID("raw@feature"))
        #expect(try ws.text("data/raw/b") == "2\n")
        #expect(try ws.status("raw").isClean)
        #expect(try ws.project.repo(named: "raw").branch == "main")
        guard case .upToDate = try ws.project.merge(RevisionSpec(parsing: "raw@feature")).outcome else { Issue.record("not up to date"); return }
        guard case .upToDate = try ws.project.merge(RevisionSpec(parsing: "raw@main~1")).outcome else { Issue.record("not up to date"); return }
    }

    @Test("a clean three-way merge of a 6,000-file directory (split tree nodes) changing 1% on each side")
    func largeDirectory() throws {
        var files = [String: FileContent]()
        for index in 0..<6000 { files["data/raw/big/f\(String(format: "%05d", index))"] = FileContent(stringLiteral: "row \(index)\n") }
        let ws = try Workspace.make(files)
        try ws.add("data/raw")
        try ws.commit("base")
        _ = try ws.project.createBranch("feature", repo: "raw")
        for index in stride(from: 0, to: 6000, by: 100) { try ws.write("data/raw/big/f\(String(format: "%05d", index))", FileContent(stringLiteral: "ours \(index)\n")) }
        try ws.delete("data/raw/big/f00001")
        try ws.add("data/raw")
        try ws.commit("ours")
        try ws.checkout("raw@feature")
        for index in stride(from: 50, to: 6000, by: 100) { try ws.write("data/raw/big/f\(String(format: "%05d", index))", FileContent(stringLiteral: "theirs \(index)\n")) }
        try ws.write("data/raw/big/new", "theirs new\n")
        try ws.add("data/raw")
        try ws.commit("theirs")
        try ws.checkout("raw@main")
        let result = try ws.project.merge(RevisionSpec(parsing: "raw@feature"))
        guard case .staged = result.outcome else { Issue.record("\(result.outcome)"); return }
        #expect(result.taken.count == 61)
        try ws.project.commit(message: nil)
        let merged = try ws.files("raw@main")
        #expect(merged.count == 6000)
        #expect(try ws.text("data/raw/big/f00100") == "ours 100\n")
        #expect(try ws.text("data/raw/big/f00150") == "theirs 150\n")
        #expect(!ws.exists("data/raw/big/f00001"))
        #expect(try ws.text("data/raw/big/new") == "theirs new\n")
        #expect(try ws.status("raw").isClean)
    }

    @Test("abort restores the commit the merge started from; checkout and a second merge are refused meanwhile")
    func abort() throws {
        let scenario = Self.everyCombination()
        let ws = try Self.build(scenario)
        let before = try ws.commitID("raw@main")
        _ = try ws.project.merge(RevisionSpec(parsing: "raw@feature"))
        #expect(throws: RepositoryError.self) { try ws.checkout("raw@feature") }
        #expect(throws: RepositoryError.self) { try ws.project.merge(RevisionSpec(parsing: "raw@feature")) }
        try ws.write("data/raw/p0", "an edit during the merge\n")
        _ = try ws.project.abortMerge(repo: "raw")
        #expect(try ws.commitID("raw@main") == before)
        #expect(try ws.status("raw").isClean)
        for (path, item) in scenario.paths {
            #expect(try Self.workspaceContent(ws, path) == Self.describe(Self.content(item.ours, path: path, base: item.base)), "\(path)")
        }
    }

    @Test("a file on one side where the other side has a directory is a conflict, both ways round", arguments: [false, true])
    func fileDirectoryCollision(fileIsOurs: Bool) throws {
        let ws = try Workspace.make(["data/raw/a": "1\n"])
        try ws.add("data/raw")
        try ws.commit("base")
        _ = try ws.project.createBranch("feature", repo: "raw")
        let (ourPath, theirPath) = fileIsOurs ? ("data/raw/x", "data/raw/x/y") : ("data/raw/x/y", "data/raw/x")
        try ws.write(ourPath, "ours\n")
        try ws.add("data/raw")
        try ws.commit("ours")
        try ws.checkout("raw@feature")
        try ws.write(theirPath, "theirs\n")
        try ws.add("data/raw")
        try ws.commit("theirs")
        try ws.checkout("raw@main")
        let result = try ws.project.merge(RevisionSpec(parsing: "raw@feature"), options: MergeOptions(strategy: .theirs))
        guard case .conflicts(let conflicts) = result.outcome else { Issue.record("\(result.outcome)"); return }
        #expect(conflicts.map(\.path) == [theirPath])
        #expect(conflicts.first?.reason == (fileIsOurs ? "file here, directory there" : "directory here, file there"))
        #expect(try ws.text(ourPath) == "ours\n")
        // Their side cannot simply be taken; ours is kept as it is.
        #expect(throws: RepositoryError.self) { try ws.project.resolveConflicts([theirPath], side: .theirs) }
        _ = try ws.project.resolveConflicts([theirPath], side: .ours)
        try ws.project.commit(message: nil)
        #expect(try ws.files("raw@main").keys.sorted() == ["data/raw/a", ourPath])
    }

    @Test("uncommitted changes refuse the merge before anything changes")
    func dirtyWorkspace() throws {
        let ws = try Self.build(Self.everyCombination())
        try ws.write("data/raw/p0", "edited\n")
        #expect(throws: RepositoryError.self) { try ws.project.merge(RevisionSpec(parsing: "raw@feature")) }
        #expect(try ws.project.mergesInProgress().isEmpty)
        #expect(try ws.text("data/raw/p0") == "edited\n")
    }
}
