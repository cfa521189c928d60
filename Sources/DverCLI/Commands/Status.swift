import ArgumentParser
import DverRepository

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show staged, modified, deleted and untracked files per repo.",
        discussion: """
        Reads no file data for files whose stat data is unchanged since they were staged.

        Examples:
          dver status
          dver status raw --json
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Repos to show (default: all).")
    var repos: [String] = []

    func run() throws {
        let project = try global.project()
        let statuses = try project.status(repos: repos)
        if global.json {
            try global.console.emit(statuses.map(StatusJSON.init))
            return
        }
        if statuses.isEmpty {
            global.console.data("No repos yet; 'dver add DIR' creates one.")
            return
        }
        for status in statuses { print(status, root: project.root) }
    }

    private func print(_ status: RepoStatus, root: String) {
        let console = global.console
        let where_ = status.repo.branch.map { "branch \($0)" } ?? "detached at \(status.head?.shortHex() ?? "?")"
        let head = status.head.map { $0.shortHex() } ?? "no commits yet"
        console.data("repo \(status.repo.name) (\(status.repo.mount)/, \(where_), \(head))")
        if status.isClean {
            console.data("  nothing to commit, workspace clean")
            return
        }
        if !status.staged.isEmpty {
            console.data("  staged for commit:")
            for change in status.staged { console.data("    \(change.kind.rawValue.padding(9))\(change.path)") }
        }
        if !status.unstaged.isEmpty {
            console.data("  not staged (use 'dver add'):")
            for change in status.unstaged { console.data("    \(change.kind.rawValue.padding(9))\(change.path)") }
        }
        if !status.untracked.isEmpty {
            console.data("  untracked (use 'dver add'):")
            for path in status.untracked { console.data("    \(path)") }
        }
    }
}

struct StatusJSON: Encodable {
    struct ChangeJSON: Encodable { let path: String; let change: String }
    let repo: String
    let mount: String
    let branch: String?
    let head: String?
    let staged: [ChangeJSON]
    let unstaged: [ChangeJSON]
    let untracked: [String]
    let clean: Bool

    init(_ status: RepoStatus) {
        repo = status.repo.name
        mount = status.repo.mount
        branch = status.repo.branch
        head = status.head?.hex
        staged = status.staged.map { ChangeJSON(path: $0.path, change: $0.kind.rawValue) }
        unstaged = status.unstaged.map { ChangeJSON(path: $0.path, change: $0.kind.rawValue) }
        untracked = status.untracked
        clean = status.isClean
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
