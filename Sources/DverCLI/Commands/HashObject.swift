import ArgumentParser
import DverCore
import DverRepository
import DverStore
import DverSystem

struct HashObject: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-object",
        abstract: "Print the object id a file would get (plumbing).",
        discussion: """
        A file of one chunk gets the SHA-256 of its bytes (equal to sha256sum); larger files get the id of their chunk-list root. -w also stores the objects (needs a store).

        Examples:
          dver hash-object data/raw/a.csv
          dver hash-object -w big.bin --json
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .short, help: "Write the objects into the store.")
    var write = false

    @Argument(help: "Files to hash.")
    var files: [String]

    func run() throws {
        let items = try files.map { IngestItem(absolutePath: $0, displayPath: $0, status: try FileSystem.linkStatus($0)) }
        let refs: [FileRef]
        if write {
            let project = try global.project()
            refs = try project.withWorkspaceLock {
                let writer = project.makeWriter()
                let refs = try Ingester(writer: writer, progress: SilentProgress()).ingest(items)
                _ = try writer.finish()
                return refs
            }
        } else {
            refs = try Ingester(writer: HashingSink(), progress: SilentProgress()).ingest(items)
        }
        let results = Array(zip(files, refs))
        if global.json {
            struct Item: Encodable { let path: String; let id: String; let size: UInt64; let chunked: Bool; let kind: String }
            try global.console.emit(results.map { Item(path: $0.0, id: $0.1.id.hex, size: $0.1.size, chunked: $0.1.chunked, kind: $0.1.kind.description) })
            return
        }
        for (_, ref) in results { global.console.data(ref.id.hex) }
    }
}
