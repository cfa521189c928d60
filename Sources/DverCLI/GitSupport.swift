import DverCore
import DverGit
import DverRepository

/// How commands outside `dver hooks` use the git side of a project.
enum GitSupport {
    /// The project's git side, nil when no git repository encloses it (or it cannot be used:
    /// dver then works without git, after saying why).
    static func open(_ project: Project, console: Console) -> GitProject? {
        do {
            return try GitProject.open(project)
        } catch {
            console.notice("dver: git integration skipped: \(error)")
            return nil
        }
    }

    /// Refreshes the managed `.gitignore` block after repos were created or deleted.
    static func refreshIgnoreFile(_ project: Project, console: Console) {
        guard let git = open(project, console: console) else { return }
        do {
            if try git.updateIgnoreFile() { console.notice("dver: updated dver's block in .gitignore (the store and repo paths)") }
        } catch {
            console.notice("dver: could not update .gitignore: \(error)")
        }
    }

    /// One line per restored/kept/missing repo of a lock restore.
    static func describe(_ report: LockRestore.Report, pinnedBy: String) -> [String] {
        var lines = [String]()
        for name in report.created { lines.append("repo \(name): created (pinned by \(pinnedBy))") }
        for result in report.restored {
            let position = result.branch.map { "branch \($0) at" } ?? "detached at"
            lines.append("repo \(result.repo): restored to \(position) \(result.commit.shortHex()) (pinned by \(pinnedBy)); "
                + "wrote \(Format.count(result.written, "file")) (\(Format.bytes(result.bytesWritten))), removed \(result.removed)")
        }
        for kept in report.kept {
            let shown = kept.paths.prefix(20).map { "    " + $0 }.joined(separator: "\n")
            let more = kept.paths.count > 20 ? "\n    ... and \(kept.paths.count - 20) more" : ""
            lines.append("""
                repo \(kept.repo): NOT restored to \(kept.commit.shortHex()) (pinned by \(pinnedBy)): it would overwrite uncommitted changes, which were kept:
                \(shown)\(more)
                  to restore: commit them first ('dver add PATH && dver commit -m MSG') and run 'dver checkout --git \(pinnedBy)',
                  or discard them with 'dver checkout --git \(pinnedBy) --force'
                """)
        }
        for missing in report.missing {
            lines.append("repo \(missing.repo): pinned commit \(missing.commit.shortHex()) is not in the local store; data not restored "
                + "(fetch it from the machine or remote that has it)")
        }
        return lines
    }
}
