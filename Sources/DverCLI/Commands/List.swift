import ArgumentParser
import DverCore
import DverGit
import DverRepository

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List a directory of a repo revision.",
        discussion: """
        Examples:
          dver ls raw                   # checked-out commit, top level
          dver ls raw@main:images -r    # recursively under images/
          dver ls raw@3fa9c1 --json
          dver ls data/raw/images       # a workspace path works as REPO:PATH
          dver ls --git v1.0 raw        # the data git revision v1.0 pinned
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "REPO[@REV][:PATH]")
    var target: String

    @Flag(name: [.short, .long], help: "List files recursively.")
    var recursive = false

    @Option(name: .customLong("git"), help: ArgumentHelp("List the commit of REPO that this git revision's dver.lock pins.", valueName: "REV"))
    var gitRevision: String?

    func run() throws {
        let project = try global.project()
        var spec = RevisionArgument.parse(target, project: project)
        if let gitRevision { spec = try GitSupport.pinned(spec, at: gitRevision, project: project) }
        let resolved = try project.resolve(spec)
        let root = try project.store.decodeCommit(resolved.commit).tree
        let reader = TreeReader(store: project.store)
        guard let entry = try reader.entry(at: spec.path ?? "", root: root) else {
            throw RepositoryError.pathNotFound("\(spec.path ?? "") in \(spec.repo)@\(resolved.commit.shortHex())")
        }
        var rows = [(path: String, entry: TreeEntry)]()
        if entry.kind != .directory {
            rows = [(spec.path ?? entry.name, entry)]
        } else if recursive {
            try reader.walk(entry.id, prefix: spec.path ?? "") { path, child in
                if child.kind != .directory { rows.append((path, child)) }
            }
        } else {
            rows = try reader.entries(entry.id).map { (RepoPath.join(spec.path ?? "", $0.name), $0) }
        }
        if global.json {
            struct Item: Encodable { let path: String; let kind: String; let size: UInt64; let id: String; let chunked: Bool }
            try global.console.emit(rows.map { Item(path: $0.path, kind: $0.entry.kind.description, size: $0.entry.size,
                                                    id: $0.entry.id.hex, chunked: $0.entry.chunked) })
            return
        }
        for row in rows {
            let name = row.entry.kind == .directory ? row.path + "/" : row.path
            global.console.data("\(row.entry.kind.description.padding(8))\(String(row.entry.size).leftPadded(12))  \(row.entry.id.shortHex())  \(name)")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
