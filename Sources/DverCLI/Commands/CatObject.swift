import ArgumentParser
import DverCore
import DverRepository
import DverStore
import Foundation

struct CatObject: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat-object",
        abstract: "Print a stored object by id (plumbing).",
        discussion: """
        Chunks print their raw bytes; chunk lists, trees and commits print decoded (text or --json). -t prints only the kind, -s only the size, --raw the encoded bytes.

        Examples:
          dver cat-object -t 3fa9...
          dver cat-object --json <commit id>
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .short, help: "Print the object's kind.")
    var type = false

    @Flag(name: .short, help: "Print the object's size in bytes.")
    var size = false

    @Flag(help: "Print the object's encoded bytes.")
    var raw = false

    @Argument(help: "Object id (64 hex digits, or a unique prefix of 4+).")
    var id: String

    func run() throws {
        let project = try global.project()
        let objectID = try resolveObjectID(id, store: project.store)
        let (kind, bytes) = try project.store.read(objectID)
        if type { return global.console.data(kind.description) }
        if size { return global.console.data(String(bytes.count)) }
        if raw || kind == .chunk { return FileHandle.standardOutput.write(Data(bytes)) }
        switch kind {
        case .commit:
            let commit = try Commit.decode(bytes)
            if global.json {
                struct Output: Encodable { let repo: String, tree: String, parents: [String], time: Int64, author: String, message: String, commit_set: String?, git_head: String, provenance: [String: String] }
                return try global.console.emit(Output(repo: commit.repo, tree: commit.tree.hex, parents: commit.parents.map(\.hex), time: commit.time,
                                                      author: commit.author, message: commit.message, commit_set: commit.commitSet?.hex,
                                                      git_head: commit.gitHead, provenance: commit.provenance))
            }
            global.console.data("repo \(commit.repo)\ntree \(commit.tree.hex)")
            for parent in commit.parents { global.console.data("parent \(parent.hex)") }
            global.console.data("time \(commit.time) \(commit.timeZoneOffsetMinutes)\nauthor \(commit.author)")
            if let set = commit.commitSet { global.console.data("commitset \(set.hex)") }
            if !commit.gitHead.isEmpty { global.console.data("git \(commit.gitHead)") }
            for (key, value) in commit.provenance.sorted(by: { $0.key < $1.key }) { global.console.data("provenance \(key) \(value)") }
            global.console.data("\n\(commit.message)")
        case .chunkList:
            let node = try ChunkListNode.decode(bytes)
            if global.json {
                struct Output: Encodable { let level: Int; let entries: [[String: String]] }
                return try global.console.emit(Output(level: node.level, entries: node.entries.map { ["id": $0.id.hex, "length": String($0.length)] }))
            }
            global.console.data("level \(node.level)")
            for entry in node.entries { global.console.data("\(entry.id.hex) \(entry.length)") }
        case .tree:
            let node = try TreeNode.decode(bytes)
            switch node.content {
            case .leaf(let entries):
                if global.json {
                    struct Item: Encodable { let name: String, kind: String, chunked: Bool, size: UInt64, id: String }
                    return try global.console.emit(entries.map { Item(name: $0.name, kind: $0.kind.description, chunked: $0.chunked, size: $0.size, id: $0.id.hex) })
                }
                for entry in entries { global.console.data("\(entry.kind.description.padding(8))\(entry.chunked ? "list " : "chunk")  \(entry.id.hex)  \(String(entry.size).leftPadded(12))  \(entry.name)") }
            case .interior(let level, let children):
                if global.json {
                    struct Item: Encodable { let first_name: String, id: String }
                    return try global.console.emit(children.map { Item(first_name: $0.firstName, id: $0.id.hex) })
                }
                global.console.data("level \(level)")
                for child in children { global.console.data("\(child.id.hex)  \(child.firstName)") }
            }
        case .chunk:
            break
        }
    }
}

/// Resolves a full id or a unique hex prefix of 4+ digits.
func resolveObjectID(_ text: String, store: ObjectStore) throws -> ObjectID {
    if let id = ObjectID(hex: text) { return id }
    guard text.count >= 4, HexCoding.isHex(text) else { throw ValidationError("'\(text)' is not an object id (64 hex digits or a prefix of 4+)") }
    let matches = store.ids(withHexPrefix: text.lowercased())
    guard matches.count == 1 else {
        if matches.isEmpty { throw RepositoryError.unknownRevision(text, reason: "no object has this prefix") }
        throw RepositoryError.ambiguousRevision(text, candidates: matches.map { $0.shortHex() })
    }
    return matches[0]
}
