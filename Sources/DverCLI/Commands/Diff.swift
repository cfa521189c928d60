import ArgumentParser
import DverCore
import DverRepository

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show added, modified and deleted files with sizes.",
        discussion: """
        With no revision: each repo's checked-out commit against its workspace (tracked files, staged or not). With one: that revision against the workspace. With two: between them.

        Examples:
          dver diff
          dver diff raw@main~1 raw@main --stat
          dver diff raw@exp --json
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Zero, one or two revisions (REPO[@REV]).")
    var revisions: [String] = []

    @Flag(help: "Only a summary: counts and bytes per kind of change.")
    var stat = false

    func validate() throws {
        if revisions.count > 2 { throw ValidationError("give at most two revisions") }
    }

    func run() throws {
        let project = try global.project()
        var changes = [Change]()
        switch revisions.count {
        case 0:
            for repo in try project.repos() { changes += try project.diffWorkspace(RevisionSpec(parsing: repo.name)) }
        case 1:
            changes = try project.diffWorkspace(RevisionSpec(parsing: revisions[0]))
        default:
            let old = try project.resolve(RevisionSpec(parsing: revisions[0]))
            let new = try project.resolve(RevisionSpec(parsing: revisions[1]))
            let oldTree = try project.store.decodeCommit(old.commit).tree
            let newTree = try project.store.decodeCommit(new.commit).tree
            changes = try project.diffTrees(oldTree, newTree, prefix: new.repo.mount)
        }
        try render(changes)
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
