import CFuse
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libfuse's callback table for a `MountedFileSystem`. Callbacks are C functions, so they find
/// the file system through the private data given to `fuse_new`; an open file's `OpenFile`
/// travels in `fi->fh` as a retained pointer, released in `release`. Operations not set here
/// (every write) are refused by the kernel on the read-only mount.
enum FuseOperations {
    /// Timeouts for the kernel's caches of names, attributes and misses: the snapshot never
    /// changes, so a year.
    static let cacheSeconds = 365.0 * 86_400

    static func table() -> fuse_operations {
        var operations = fuse_operations()
        operations.`init` = { _, config in
            if let config {
                config.pointee.entry_timeout = FuseOperations.cacheSeconds
                config.pointee.attr_timeout = FuseOperations.cacheSeconds
                config.pointee.negative_timeout = FuseOperations.cacheSeconds
                config.pointee.kernel_cache = 1   // immutable files: keep their pages across opens
                config.pointee.nullpath_ok = 1    // read and release find the file by its handle
                config.pointee.use_ino = 0
            }
            return dver_fuse_private_data()
        }
        operations.getattr = { path, status, info in
            guard let fileSystem = FuseOperations.current(), let status else { return -EIO }
            if let path { return fileSystem.getattr(String(cString: path), status) }
            guard let node = FuseOperations.node(info) else { return -EIO }
            return fileSystem.getattr(node, status)
        }
        operations.readlink = { path, buffer, size in
            guard let fileSystem = FuseOperations.current(), let path, let buffer else { return -EIO }
            return fileSystem.readlink(String(cString: path), buffer, size)
        }
        operations.opendir = { path, info in
            guard let fileSystem = FuseOperations.current(), let path, let info else { return -EIO }
            switch fileSystem.opendir(String(cString: path)) {
            case .success(let directory):
                info.pointee.fh = UInt64(UInt(bitPattern: Unmanaged<OpenNode>.passRetained(directory).toOpaque()))
                info.pointee.keep_cache = 1
                info.pointee.cache_readdir = 1
                return 0
            case .failure(let error):
                return -error.code
            }
        }
        operations.readdir = { _, buffer, fill, _, info, flags in
            guard let fileSystem = FuseOperations.current(), let fill,
                  let directory = FuseOperations.node(info) as? OpenDirectory else { return -EIO }
            let plus = flags.rawValue & FUSE_READDIR_PLUS.rawValue != 0
            return fileSystem.readdir(directory, plus: plus) { name, status, withAttributes in
                fill(buffer, name, status, 0, withAttributes ? FUSE_FILL_DIR_PLUS : fuse_fill_dir_flags(rawValue: 0))
            }
        }
        operations.releasedir = { _, info in
            FuseOperations.releaseNode(info)
            return 0
        }
        operations.open = { path, info in
            guard let fileSystem = FuseOperations.current(), let path, let info else { return -EIO }
            switch fileSystem.open(String(cString: path), flags: info.pointee.flags) {
            case .success(let file):
                info.pointee.fh = UInt64(UInt(bitPattern: Unmanaged<OpenNode>.passRetained(file).toOpaque()))
                info.pointee.keep_cache = 1
                return 0
            case .failure(let error):
                return -error.code
            }
        }
        operations.read = { _, buffer, size, offset, info in
            guard let fileSystem = FuseOperations.current(), let buffer, let file = FuseOperations.node(info) as? OpenFile else { return -EIO }
            return fileSystem.read(file, into: buffer, size: size, offset: Int64(offset))
        }
        operations.release = { _, info in
            FuseOperations.releaseNode(info)
            return 0
        }
        operations.statfs = { _, status in
            guard let fileSystem = FuseOperations.current(), let status else { return -EIO }
            return fileSystem.statfs(status)
        }
        operations.getxattr = { path, name, value, size in
            guard let fileSystem = FuseOperations.current(), let path, let name else { return -EIO }
            return fileSystem.getxattr(String(cString: path), String(cString: name), value, size)
        }
        operations.listxattr = { path, list, size in
            guard let fileSystem = FuseOperations.current(), let path else { return -EIO }
            return fileSystem.listxattr(String(cString: path), list, size)
        }
        return operations
    }

    /// The file system of the mount this callback serves.
    static func current() -> MountedFileSystem? {
        dver_fuse_private_data().map { Unmanaged<MountedFileSystem>.fromOpaque($0).takeUnretainedValue() }
    }

    /// The open file or directory a handle names (set by `open` and `opendir`).
    static func node(_ info: UnsafeMutablePointer<fuse_file_info>?) -> OpenNode? {
        guard let info, let pointer = UnsafeRawPointer(bitPattern: UInt(info.pointee.fh)) else { return nil }
        return Unmanaged<OpenNode>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Drops the reference `open` or `opendir` put in the handle.
    static func releaseNode(_ info: UnsafeMutablePointer<fuse_file_info>?) {
        guard let info, let pointer = UnsafeRawPointer(bitPattern: UInt(info.pointee.fh)) else { return }
        Unmanaged<OpenNode>.fromOpaque(pointer).release()
        info.pointee.fh = 0
    }
}
