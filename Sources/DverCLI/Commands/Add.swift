import ArgumentParser
import DverRepository

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Stage files: chunk, hash and store new and changed files.",
        discussion: """
        A directory outside every repo becomes a new repo named after its last component, mounted at that directory. Files deleted beneath a path are staged as deleted. Unchanged files (same size, mtime, ctime, inode, mode) are not read again. Untracked files matching .dverignore rules (gitignore syntax; a file at the project root or in any directory) are left out, and ignored directories are not walked; by default .DS_Store, Thumbs.db, .ipynb_checkpoints/ and editor swap and backup files are ignored. A file named directly is added anyway.

        Examples:
          dver add data/raw             # creates repo 'raw' on first use
          dver add data/raw/a.csv       # stage one file of an existing repo
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Files or directories to stage.")
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one path, e.g. 'dver add data/raw'") }
    }

    func run() throws {
        let project = try global.project()
        let relative = try paths.map { try project.relativePath($0, workingDirectory: workingDirectory) }
        try refuseFilesGitTracks(relative, in: project)
        let result = try project.add(relative)
        let console = global.console
        if !result.createdRepos.isEmpty { GitSupport.refreshIgnoreFile(project, console: console) }
        if global.json {
            struct Output: Encodable {
                let created_repos: [String]
                let added: Int, modified: Int, deleted: Int, unchanged: Int
                let skipped: [String]
                let ignored: Int
                let bytes_hashed: UInt64, objects_written: Int, bytes_stored: UInt64
            }
            try console.emit(Output(created_repos: result.createdRepos.map(\.name), added: result.added,
                                    modified: result.modified, deleted: result.deleted, unchanged: result.unchanged,
                                    skipped: result.skipped, ignored: result.ignored, bytes_hashed: result.bytesHashed, objects_written: result.statistics.objectsWritten,
                                    bytes_stored: result.statistics.storedBytesWritten))
            return
        }
        for repo in result.createdRepos {
            console.line("Created repo '\(repo.name)' mounted at \(repo.mount)/ (branch \(repo.branch ?? "main"))")
        }
        for path in result.skipped {
            console.line("Skipped \(path): dver does not track nested .git or .dver directories")
        }
        console.line("Staged \(result.added) added, \(result.modified) modified, \(result.deleted) deleted "
            + "(\(result.unchanged) unchanged); hashed \(Format.bytes(result.bytesHashed)), "
            + "stored \(Format.bytes(result.statistics.storedBytesWritten)) new"
            + (result.ignored > 0 ? "; \(result.ignored) untracked entr\(result.ignored == 1 ? "y" : "ies") ignored (.dverignore)" : ""))
    }
}
