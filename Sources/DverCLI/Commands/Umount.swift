import ArgumentParser
import DverMount

struct Umount: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umount",
        abstract: "Unmount a revision mounted with 'dver mount', or clean a stale mount.",
        discussion: """
        Unmounts the dver file system at DIR; its process then ends. A stale mount — its process died, and every access fails with "Transport endpoint is not connected" — is detached. Refuses mounts that are not dver's, and a busy mount (files open on it) unless --lazy, which detaches it at once and ends it when the last file closes.

        Examples:
          dver umount /mnt/raw
          dver umount --lazy /mnt/raw
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The directory a revision is mounted on.")
    var mountPoint: String

    @Flag(help: "Detach now even if files are open; the mount ends when they close.")
    var lazy = false

    func run() throws {
        let point = MountPoint(mountPoint, workingDirectory: workingDirectory)
        switch try point.unmount(lazy: lazy) {
        case .unmounted: global.console.line("Unmounted \(point.path)")
        case .cleanedStale: global.console.line("Cleaned a stale mount at \(point.path) (its process had ended)")
        }
    }
}
