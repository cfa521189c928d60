import DverCore
import DverRepository
import DverStore

/// The files a datum's inputs hold, looked up in the store by their path under /pfs: what an
/// output symlink into `/pfs/<input>/…` stands for. Answers from the store, not from the
/// datum's directory, so `empty_files` placeholders still resolve to the real content.
struct DatumInputFiles: Sendable {
    let store: ObjectStore
    let inputs: [DatumInput]

    /// The files at `components` (`[input name, path components…]`): one file with an empty
    /// relative path, or every file under a directory with paths relative to it; nil when no
    /// input of the datum holds a file or directory there (or it is a symlink).
    func files(at components: [Substring]) throws -> [(path: String, ref: FileRef)]? {
        guard let name = components.first else { return nil }
        let path = "/" + components.dropFirst().joined(separator: "/")
        for input in inputs where input.name == String(name) {
            let entry: TreeEntry?
            if input.path == path {
                entry = TreeEntry(name: "", kind: input.kind, chunked: input.chunked, size: input.size, id: input.id)
            } else if input.kind == .directory, input.path == "/" || path.hasPrefix(input.path + "/") {
                let relative = input.path == "/" ? String(path.dropFirst()) : String(path.dropFirst(input.path.count + 1))
                entry = try TreeReader(store: store).entry(at: relative, root: input.id)
            } else {
                continue
            }
            guard let entry else { continue }
            switch entry.kind {
            case .directory: return try TreeReader(store: store).files(entry.id).filter { $0.ref.kind != .symlink }
            case .symlink: return nil
            default: return [("", FileRef(entry))]
            }
        }
        return nil
    }
}
