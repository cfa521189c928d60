import CGit2
import Foundation

extension GitRepository {
    /// Files git's index tracks under one directory.
    public struct TrackedFiles: Sendable, Equatable {
        /// The directory asked about, relative to the working tree ("" for all of it).
        public var directory: String
        /// How many files the index tracks there (a conflicted file counts once).
        public var count = 0
        /// The first of them in index order (byte order), at most the limit asked for.
        public var sample: [String] = []
    }

    /// What git's index (`.git/index`, not `$GIT_INDEX_FILE`) tracks under each directory —
    /// the directory itself when it names a file, or the files beneath it — as
    /// `git ls-files DIR` lists them. Submodules (gitlinks) are not files and are left out.
    /// The index is read once and each directory costs one binary search plus one step per
    /// tracked file beneath it: no lookup per workspace file.
    /// - Throws: `GitError.library` when the index cannot be read.
    public func trackedFiles(under directories: [String], sampleLimit: Int) throws(GitError) -> [TrackedFiles] {
        // A fresh read of the index file: the handle's cached index (git_repository_index) is not
        // reloaded reliably after another process (git add) rewrote the file.
        var path = git_buf()
        try LibGit2.check(git_repository_item_path(&path, handle, GIT_REPOSITORY_ITEM_INDEX), "locating the git index")
        let file = LibGit2.string(&path)
        var index: OpaquePointer?
        try LibGit2.check(git_index_open(&index, file), "reading the git index '\(file)'")
        defer { git_index_free(index) }
        return directories.map { directory in
            var found = TrackedFiles(directory: directory)
            var lastPath: UnsafePointer<CChar>?
            func note(_ entry: UnsafePointer<git_index_entry>) {
                guard entry.pointee.mode != GIT_FILEMODE_COMMIT.rawValue else { return }
                if let lastPath, strcmp(lastPath, entry.pointee.path) == 0 { return }   // conflict stages
                lastPath = entry.pointee.path
                found.count += 1
                if found.sample.count < sampleLimit { found.sample.append(String(cString: entry.pointee.path)) }
            }
            if !directory.isEmpty {
                var position = 0
                if git_index_find(&position, index, directory) == 0 {
                    for at in position..<git_index_entrycount(index) {
                        guard let entry = git_index_get_byindex(index, at), strcmp(entry.pointee.path, directory) == 0 else { break }
                        note(entry)
                    }
                }
            }
            let prefix = directory.isEmpty ? "" : directory + "/"
            let prefixLength = prefix.utf8.count
            var position = 0
            guard git_index_find_prefix(&position, index, prefix) == 0 else { return found }
            for at in position..<git_index_entrycount(index) {
                guard let entry = git_index_get_byindex(index, at), strncmp(entry.pointee.path, prefix, prefixLength) == 0 else { break }
                note(entry)
            }
            return found
        }
    }
}
