import ArgumentParser
import DverCore
import DverGit
import DverRepository
import DverStore
import Foundation

struct Cat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Write one file of a repo revision to stdout.",
        discussion: """
        Every chunk is verified against its id as it is streamed.

        Examples:
          dver cat raw@main:labels.csv | head
          dver cat raw@main~1:model.bin > old.bin
          dver cat data/raw/labels.csv              # a workspace path: the checked-out commit's version
          dver cat --git v1.0 raw:labels.csv        # the version git revision v1.0 pinned
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "REPO[@REV]:PATH, or a workspace path")
    var target: String

    @Option(name: .customLong("git"), help: ArgumentHelp("Read the commit of REPO that this git revision's dver.lock pins.", valueName: "REV"))
    var gitRevision: String?

    func run() throws {
        let project = try global.project()
        var spec = RevisionArgument.parse(target, project: project)
        if let gitRevision { spec = try GitSupport.pinned(spec, at: gitRevision, project: project) }
        guard let path = spec.path else { throw ValidationError("name a file: REPO[@REV]:PATH") }
        let resolved = try project.resolve(spec)
        let root = try project.store.decodeCommit(resolved.commit).tree
        guard let entry = try TreeReader(store: project.store).entry(at: path, root: root) else {
            throw RepositoryError.pathNotFound("\(path) in \(spec.repo)@\(resolved.commit.shortHex())")
        }
        guard entry.kind != .directory else { throw RepositoryError.notAFile(path) }
        let output = FileHandle.standardOutput
        let chunks = entry.chunked ? try ChunkListBuilder.chunks(of: entry.id, store: project.store).map(\.id) : [entry.id]
        for id in chunks {
            try project.store.withChunk(id) { output.write(Data($0)) }
        }
    }
}
