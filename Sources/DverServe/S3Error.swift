/// An S3 error response: the code clients branch on, the HTTP status, and a message that names
/// the problem and the fix.
public struct S3Error: Error, Sendable, Equatable {
    public var code: String
    public var status: Int
    public var message: String
    /// The bucket or key it concerns, echoed as `<Resource>`.
    public var resource: String = ""
    /// Headers the error response carries (`Content-Range: bytes */SIZE` with InvalidRange).
    public var headers: [String: String] = [:]

    public init(code: String, status: Int, message: String, resource: String = "", headers: [String: String] = [:]) {
        self.code = code
        self.status = status
        self.message = message
        self.resource = resource
        self.headers = headers
    }

    static func noSuchBucket(_ bucket: String) -> S3Error {
        S3Error(code: "NoSuchBucket", status: 404, message: "no repo '\(bucket)' in this project (buckets are repos: 'dver repo list')", resource: bucket)
    }

    static func noSuchKey(_ key: String, _ reason: String) -> S3Error {
        S3Error(code: "NoSuchKey", status: 404, message: reason, resource: key)
    }

    static func invalidArgument(_ message: String) -> S3Error {
        S3Error(code: "InvalidArgument", status: 400, message: message)
    }

    static func accessDenied(_ message: String) -> S3Error {
        S3Error(code: "AccessDenied", status: 403, message: message)
    }

    static func readOnly(_ method: String) -> S3Error {
        S3Error(code: "MethodNotAllowed", status: 405,
                message: "dver serve is read-only: \(method) is not supported; write with 'dver add' and 'dver commit'")
    }

    static func internalError(_ message: String) -> S3Error {
        S3Error(code: "InternalError", status: 500, message: message)
    }

    /// The XML body S3 sends with an error.
    func xml(requestID: String) -> String {
        var document = XMLDocument(root: "Error", namespace: nil)
        document.element("Code", code)
        document.element("Message", message)
        if !resource.isEmpty { document.element("Resource", resource) }
        document.element("RequestId", requestID)
        return document.finish()
    }
}
