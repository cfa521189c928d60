/// DverRemote: remotes of a dver project — a transport protocol with a directory and an S3
/// implementation, the remote layout (packs, pack indexes and `index.json` holding the refs),
/// pipeline specs moved as opaque blobs for a caller-supplied `SpecCatalog`, and push, fetch,
/// pull and clone on top of the object store. See docs/REMOTES.md.
import DverCore

/// Errors of remote operations. Each names the remote or object involved and what to do next.
public enum RemoteError: Error, Sendable {
    case unknownRemote(String, known: [String])
    case remoteExists(String)
    case noDefaultRemote
    case invalidRemoteName(String)
    case invalidURL(String, reason: String)
    case invalidConfig(path: String, reason: String)
    case missingCredentials(remote: String)
    case invalidCredentials(remote: String, reason: String)
    case accessDenied(url: String, detail: String)
    case bucketNotFound(bucket: String, endpoint: String)
    case remoteNotFound(url: String)
    case unreachable(url: String, detail: String)
    case httpFailure(method: String, url: String, status: Int, detail: String)
    case transferFailed(url: String, detail: String)
    case newerRemoteFormat(url: String, version: Int, supported: Int)
    case corruptRemote(url: String, reason: String)
    case corruptRemoteObject(ObjectID, pack: String, reason: String)
    case missingRemoteObject(ObjectID)
    case nonFastForward(repo: String, branch: String, remote: String)
    case diverged(repo: String, branch: String, remote: String)
    /// Pipeline specs changed both locally and on the remote since the two last agreed; the
    /// push or pull (`pushing`) was refused before anything changed.
    case specConflict(pipelines: [String], remote: String, pushing: Bool)
    case unknownRemoteBranch(repo: String, branch: String, remote: String)
    case unknownRemoteRepo(repo: String, remote: String)
    case concurrentUpdate(url: String)
    case destinationNotEmpty(String)
    case libcurlUnavailable(reason: String)
    case emptyRemote(url: String)
    /// A key or prefix given to a transport that is not a plain relative path (a caller's bug).
    case invalidKey(String, reason: String)
}

extension RemoteError {
    /// Errors a transfer meets when a pack its index listed is gone — what a remote gc that
    /// deleted it while the transfer ran looks like (or real damage, which a retry re-reports).
    var mayBeCollectedPack: Bool {
        switch self {
        case .corruptRemote, .missingRemoteObject, .httpFailure(_, _, 404, _), .transferFailed: return true
        default: return false
        }
    }
}

extension RemoteError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unknownRemote(let name, let known):
            let list = known.isEmpty ? "none is configured; add one with 'dver remote add NAME URL'" : "configured: \(known.joined(separator: ", "))"
            return "no remote named '\(name)' (\(list))"
        case .remoteExists(let name):
            return "a remote named '\(name)' already exists; 'dver remote remove \(name)' first, or choose another name"
        case .noDefaultRemote:
            return "no remote given and no default remote; name one, or run 'dver remote add origin URL' (the first remote becomes the default) or 'dver remote set-default NAME'"
        case .invalidRemoteName(let name):
            return "invalid remote name '\(name)': use letters, digits, '.', '_' and '-'"
        case .invalidURL(let url, let reason):
            return "invalid remote URL '\(url)': \(reason); use s3://BUCKET[/PREFIX] or a directory path"
        case .invalidConfig(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        case .missingCredentials(let remote):
            return "no S3 credentials for remote '\(remote)': set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials, or 'dver remote add ... --profile NAME'"
        case .invalidCredentials(let remote, let reason):
            return "the S3 credentials for remote '\(remote)' cannot be used: \(reason); check AWS_SESSION_TOKEN / aws_session_token and the keys"
        case .accessDenied(let url, let detail):
            return "access denied by \(url) (\(detail)); check the access key and secret key (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile) and the bucket policy"
        case .bucketNotFound(let bucket, let endpoint):
            return "bucket '\(bucket)' does not exist at \(endpoint); create it (e.g. 'aws s3 mb s3://\(bucket)') or fix the remote URL"
        case .remoteNotFound(let url):
            return "'\(url)' does not exist; create the directory, or fix the remote URL ('dver remote list')"
        case .unreachable(let url, let detail):
            return "cannot reach \(url): \(detail); check the endpoint and that the server is running, then rerun (completed transfers are kept)"
        case .httpFailure(let method, let url, let status, let detail):
            return "\(method) \(url) failed with HTTP \(status)\(detail.isEmpty ? "" : " (\(detail))"); rerun to resume"
        case .transferFailed(let url, let detail):
            return "transfer of \(url) failed: \(detail); rerun to resume (completed transfers are kept)"
        case .newerRemoteFormat(let url, let version, let supported):
            return "the remote at \(url) was written by a newer dver (remote format \(version); this dver reads up to \(supported)); upgrade dver"
        case .corruptRemote(let url, let reason):
            return "the remote at \(url) is damaged: \(reason)"
        case .corruptRemoteObject(let id, let pack, let reason):
            return "object \(id.hex) in remote pack \(pack) is corrupt (\(reason)); it was not written locally and no ref moved — the remote's copy of \(pack) is damaged: restore it from a backup, or push from an intact store to a fresh remote"
        case .missingRemoteObject(let id):
            return "object \(id.hex) is referenced but missing on the remote; push it again from a store that has it"
        case .nonFastForward(let repo, let branch, let remote):
            return "push of \(repo)@\(branch) to '\(remote)' rejected: the remote branch has commits the local branch does not contain; 'dver pull \(remote) \(repo)' first (and reconcile), or push with --force to overwrite them"
        case .diverged(let repo, let branch, let remote):
            return "\(repo)@\(branch) and \(remote)'s \(branch) have diverged; cannot fast-forward. Keep your work on another branch ('dver branch -r \(repo) NAME'), or overwrite the remote with 'dver push --force'"
        case .specConflict(let pipelines, let remote, let pushing):
            let names = pipelines.map { "'\($0)'" }.joined(separator: ", ")
            let what = pipelines.count == 1 ? "pipeline \(names) was" : "pipelines \(names) were"
            return "\(pushing ? "push to" : "pull from") '\(remote)' refused: \(what) changed both here and on '\(remote)' since they "
                + "last agreed; no branch or spec was changed. Keep yours with 'dver push --force \(remote)', or take the remote's with "
                + "'dver pull --force \(remote)' (--force also overwrites diverged remote branches on push, uncommitted changes in the "
                + "workspace on pull); 'dver pipeline inspect NAME' shows yours"
        case .unknownRemoteBranch(let repo, let branch, let remote):
            return "remote '\(remote)' has no branch '\(branch)' in repo '\(repo)'; 'dver fetch --json \(remote)' lists the branches it has"
        case .unknownRemoteRepo(let repo, let remote):
            return "remote '\(remote)' has no repo '\(repo)'"
        case .concurrentUpdate(let url):
            return "the remote at \(url) kept changing while updating its index; another push is running — rerun"
        case .destinationNotEmpty(let path):
            return "'\(path)' exists and is not an empty directory; choose a new directory for the clone"
        case .emptyRemote(let url):
            return "nothing has been pushed to '\(url)' (it has no index.json, so it is not a dver remote yet); "
                + "push to it from a project first ('dver remote add origin URL && dver push'), or check the URL"
        case .invalidKey(let key, let reason):
            return "\(key.quotedForMessage) is not a remote key: \(reason); keys are relative paths such as packs/pack-NAME.pack"
        case .libcurlUnavailable(let reason):
            return "S3 remotes need libcurl, which could not be loaded (\(reason)); install it with 'apt-get install libcurl4'"
        }
    }
}
