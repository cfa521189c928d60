import ArgumentParser
import DverCore
import DverGit
import DverRepository

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show added, modified and deleted files with sizes.",
        discussion: """
        With no revision: each repo's checked-out commit against its workspace (tracked files, staged or not). With one: that revision against the workspace. With two: between them.

        Examples:
          dver diff
          dver diff raw@main~1 raw@main --stat
          dver diff raw@exp --json
          dver diff data/raw/images              # a workspace path: that repo, only under it
          dver diff --git v1.0 v2.0              # the data two git revisions pinned
          dver diff --git v1.0                   # what v1.0 pinned against the checked-out data
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Zero, one or two revisions (REPO[@REV]).")
    var revisions: [String] = []

    @Flag(help: "Only a summary: counts and bytes per kind of change.")
    var stat = false

    @Option(name: .customLong("git"), help: ArgumentHelp("Compare the data this git revision's dver.lock pins with the data a second git revision pins (or the checked-out data).", valueName: "REV"))
    var gitRevision: String?

    func validate() throws {
        if revisions.count > 2 { throw ValidationError("give at most two revisions") }
    }

    func run() throws {
        let project = try global.project()
        var changes = [Change]()
        if let gitRevision {
            try render(try diffGit(gitRevision, revisions.first, project: project))
            return
        }
        switch revisions.count {
        case 0:
            for repo in try project.repos() { changes += try project.diffWorkspace(RevisionSpec(parsing: repo.name)) }
        case 1:
            let spec = RevisionArgument.parse(revisions[0], project: project)
            changes = try project.diffWorkspace(spec)
            if let path = spec.path { changes = Self.under(changes, path, mount: try project.repo(named: spec.repo).mount) }
        default:
            let oldSpec = RevisionArgument.parse(revisions[0], project: project)
            let newSpec = RevisionArgument.parse(revisions[1], project: project)
            let old = try project.resolve(oldSpec)
            let new = try project.resolve(newSpec)
            let oldTree = try project.store.decodeCommit(old.commit).tree
            let newTree = try project.store.decodeCommit(new.commit).tree
            changes = try project.diffTrees(oldTree, newTree, prefix: new.repo.mount)
            if let path = newSpec.path ?? oldSpec.path { changes = Self.under(changes, path, mount: new.repo.mount) }
        }
        try render(changes)
    }

    /// Changes at or below `path` (relative to the repo).
    static func under(_ changes: [Change], _ path: String, mount: String) -> [Change] {
        let full = RepoPath.join(mount, path)
        return changes.filter { $0.path == full || $0.path.hasPrefix(full + "/") }
    }

    /// `--git A [B]`: per repo, the data A pins against the data B pins (default: checked out).
    private func diffGit(_ first: String, _ second: String?, project: Project) throws -> [Change] {
        let old = try GitSupport.lock(at: first, project: project)
        var new = [String: ObjectID]()
        if let second {
            for entry in try GitSupport.lock(at: second, project: project).entries { new[entry.repo] = entry.commit }
        } else {
            for repo in try project.repos() { if let head = try project.headCommit(of: repo) { new[repo.name] = head } }
        }
        var changes = [Change]()
        let names = Set(old.entries.map(\.repo)).union(new.keys).sorted()
        for name in names {
            let oldCommit = old.entry(for: name)?.commit
            let newCommit = new[name]
            if let oldCommit { try GitSupport.requirePresent(oldCommit, repo: name, revision: first, project: project) }
            if let newCommit { try GitSupport.requirePresent(newCommit, repo: name, revision: second ?? "checked out", project: project) }
            let mount = (try? project.repo(named: name).mount) ?? old.entry(for: name)?.path ?? name
            changes += try project.diffTrees(try oldCommit.map { try project.store.decodeCommit($0).tree },
                                             try newCommit.map { try project.store.decodeCommit($0).tree }, prefix: mount)
        }
        return changes
    }

    private func render(_ changes: [Change]) throws {
        if global.json {
            struct Item: Encodable { let path: String; let change: String; let old_size: UInt64?; let new_size: UInt64?; let old_id: String?; let new_id: String? }
            try global.console.emit(changes.map {
                Item(path: $0.path, change: $0.kind.rawValue, old_size: $0.old?.size, new_size: $0.new?.size,
                     old_id: $0.old?.id.hex, new_id: $0.new?.id.hex)
            })
            return
        }
        if !stat {
            for change in changes {
                let sizes: String
                switch change.kind {
                case .added: sizes = Format.bytes(change.new?.size ?? 0)
                case .deleted: sizes = Format.bytes(change.old?.size ?? 0)
                case .modified: sizes = "\(Format.bytes(change.old?.size ?? 0)) -> \(Format.bytes(change.new?.size ?? 0))"
                }
                let letter = change.kind == .added ? "A" : change.kind == .deleted ? "D" : "M"
                global.console.data("\(letter)  \(change.path)  (\(sizes))")
            }
        }
        let added = changes.filter { $0.kind == .added }
        let modified = changes.filter { $0.kind == .modified }
        let deleted = changes.filter { $0.kind == .deleted }
        let addedBytes = added.reduce(UInt64(0)) { $0.addingSaturating($1.new?.size ?? 0) }
        let deletedBytes = deleted.reduce(UInt64(0)) { $0.addingSaturating($1.old?.size ?? 0) }
        if stat || !changes.isEmpty {
            global.console.data("\(Format.count(changes.count, "file")) changed: \(added.count) added (\(Format.bytes(addedBytes))), "
                + "\(modified.count) modified, \(deleted.count) deleted (\(Format.bytes(deletedBytes)))")
        }
    }
}
