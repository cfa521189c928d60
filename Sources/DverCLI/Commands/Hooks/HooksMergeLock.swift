import ArgumentParser
import DverCore
import DverGit
import DverRepository
import DverSystem
import Foundation

struct HooksMergeLock: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-lock",
        abstract: "Merge three versions of dver.lock (git's merge driver for dver.lock).",
        discussion: """
        Writes the result to OURS. Repos changed on one side only take that side; when both sides changed a repo, the side whose data commit descends from the other's wins; otherwise it is a conflict: both lines are written between conflict markers, the repos are named, and the exit status is 1 so git marks dver.lock conflicted. 'dver hooks install' configures git to call this.

        Examples:
          dver hooks merge-lock BASE OURS THEIRS
          git config merge.dver-lock.driver 'dver hooks merge-lock %O %A %B'
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The dver project directory, relative to the working directory (for ancestry checks).")
    var project: String?

    @Argument(help: "The common ancestor's version (%O).")
    var base: String

    @Argument(help: "Our version (%A); receives the result.")
    var ours: String

    @Argument(help: "Their version (%B).")
    var theirs: String

    func run() throws {
        let baseLock = try read(base), oursLock = try read(ours), theirsLock = try read(theirs)
        let store = try? Project.open(from: project ?? workingDirectory)
        let result = LockMerge.merge(base: baseLock, ours: oursLock, theirs: theirsLock) { newer, older in
            // A commit the store lacks cannot be proved newer: the sides then conflict.
            guard let store else { return false }
            return (try? store.descends(newer.commit, from: older.commit)) ?? false
        }
        try FileSystem.writeAtomically(ours, text: result.text, durable: false)
        guard !result.conflicts.isEmpty else {
            global.console.notice("dver: dver.lock merged cleanly")
            return
        }
        for conflict in result.conflicts {
            func describe(_ entry: LockFile.Entry?) -> String {
                entry.map { "\($0.commit.shortHex()) (\($0.branch ?? "detached"))" } ?? "no entry"
            }
            Console.writeError("dver: dver.lock conflict in repo \(conflict.repo): ours pins \(describe(conflict.ours)), "
                + "theirs pins \(describe(conflict.theirs)), their common base pinned \(describe(conflict.base))\n")
            if let ours = conflict.ours, let theirs = conflict.theirs, ours.path == theirs.path {
                // Diverged data histories: dver merge joins them.
                Console.writeError("dver: to keep both sides' data, merge them: 'dver checkout \(conflict.repo)@\(ours.branch ?? ours.commit.hex)' "
                    + "(skip if it is checked out), 'dver merge \(conflict.repo)@\(theirs.commit.hex)', then 'dver hooks run pre-commit' and 'git commit'\n")
            }
        }
        Console.writeError("""
            dver: or keep one side: check out the data the merge should pin ('dver checkout REPO@COMMIT'), then run \
            'dver hooks run pre-commit' to rewrite and stage dver.lock, and 'git commit'

            """)
        throw ReportedFailure(status: .failure)
    }

    private func read(_ path: String) throws -> LockFile {
        let text = FileSystem.exists(path) ? try FileSystem.readText(path) : ""
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return LockFile(entries: []) }
        return try LockFile.parse(text, source: path)
    }
}
