import ArgumentParser
import DverRepository

struct Fsck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Verify every object's hash and every reference.",
        discussion: """
        Checks pack indexes, decodes and re-hashes every object, and walks every branch:
        commits, trees, chunk lists and chunks must all be present and well-formed. Exit status 3 when damage is found; leftovers of interrupted writes are warnings.

        With --remote, checks a remote instead, without downloading all of it: index.json, every listed pack and pack index (sizes from one listing; indexes downloaded and verified), every object the remote's branches reach (commits, trees and chunk lists downloaded and verified, chunks looked up by id), every pipeline spec blob, and a sample of each pack's records by ranged reads (--sample 1: every pack downloaded and verified whole). Files under packs/ that index.json does not list are warnings.

        Examples:
          dver fsck
          dver fsck --json
          dver fsck --remote origin
          dver fsck --remote origin --sample 1
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Check this remote instead of the local store.")
    var remote: String?

    @Option(help: "With --remote: the fraction of records to verify by content, 0 < F <= 1 (default 0.02; 1 reads every pack whole).")
    var sample: Double?

    func validate() throws {
        if sample != nil, remote == nil { throw ValidationError("--sample is for --remote; a local fsck verifies every record") }
        if let sample, !(sample > 0 && sample <= 1) {
            throw ValidationError("--sample must be a fraction above 0 and at most 1, such as 0.1 (1 verifies every record)")
        }
    }

    func run() throws {
        if let remote {
            try checkRemote(remote)
            return
        }
        let project = try global.project()
        let report = try project.fsck()
        if global.json {
            struct Output: Encodable {
                let healthy: Bool, errors: [String], warnings: [String]
                let packs: Int, objects: Int, commits: Int, bytes_verified: UInt64
            }
            try global.console.emit(Output(healthy: report.isHealthy, errors: report.errors, warnings: report.warnings,
                                           packs: report.packsChecked, objects: report.objectsChecked,
                                           commits: report.commitsChecked, bytes_verified: report.bytesVerified))
        } else {
            for error in report.errors { global.console.data("error: \(error)") }
            for warning in report.warnings { global.console.notice("warning: \(warning)") }
            global.console.line("checked \(Format.count(report.packsChecked, "pack")), \(Format.count(report.objectsChecked, "object")) "
                + "(\(Format.bytes(report.bytesVerified))), \(Format.count(report.commitsChecked, "commit")): "
                + (report.isHealthy ? "ok" : Format.count(report.errors.count, "problem")))
            if report.objectsDamagedOrMissing {
                global.console.notice("fsck changed nothing. The branches and paths above need objects that are damaged or missing here; "
                    + "everything else reads and checks out as usual. To get them back, restore .dver/packs from a backup, "
                    + "or clone the project again from a remote that has the data ('dver clone URL DIR').")
            }
        }
        if !report.isHealthy { throw ReportedFailure(status: .integrity) }
    }
}
