import ArgumentParser
import DverCore
import DverRepository

struct LsTree: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls-tree",
        abstract: "List a tree object by id or revision (plumbing).",
        discussion: """
        Output lines: KIND LAYOUT ID SIZE PATH, where LAYOUT is 'chunk' (id is the file's only chunk) or 'list' (id is a chunk-list root).

        Examples:
          dver ls-tree raw@main
          dver ls-tree -r --json <tree id>
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .short, help: "Recurse into subdirectories.")
    var recursive = false

    @Argument(help: "A tree id (or prefix), or REPO[@REV].")
    var target: String

    func run() throws {
        let project = try global.project()
        let tree: ObjectID
        if let repo = try? project.repo(named: RevisionSpec(parsing: target).repo) {
            _ = repo
            tree = try project.store.decodeCommit(try project.resolve(RevisionSpec(parsing: target)).commit).tree
        } else {
            tree = try resolveObjectID(target, store: project.store)
        }
        let reader = TreeReader(store: project.store)
        var rows = [(String, TreeEntry)]()
        if recursive {
            try reader.walk(tree) { path, entry in if entry.kind != .directory { rows.append((path, entry)) } }
        } else {
            rows = try reader.entries(tree).map { ($0.name, $0) }
        }
        if global.json {
            struct Item: Encodable { let path: String, kind: String, chunked: Bool, size: UInt64, id: String }
            return try global.console.emit(rows.map { Item(path: $0.0, kind: $0.1.kind.description, chunked: $0.1.chunked, size: $0.1.size, id: $0.1.id.hex) })
        }
        for (path, entry) in rows {
            global.console.data("\(entry.kind.description.padding(8))\(entry.chunked ? "list " : "chunk")  \(entry.id.hex)  \(String(entry.size).leftPadded(12))  \(path)")
        }
    }
}
