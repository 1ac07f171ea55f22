using Microsoft.Extensions.Logging;

namespace InferenceGateway.Kubernetes;

internal static partial class KubernetesLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Listed {Path} (selector \"{Selector}\"): {Count} object(s) at resourceVersion {ResourceVersion}")]
    public static partial void Listed(ILogger logger, string path, string selector, int count, string resourceVersion);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Watch of {Path} expired at resourceVersion {ResourceVersion} ({Message}); listing again")]
    public static partial void WatchExpired(ILogger logger, string path, string resourceVersion, string message);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "List/watch of {Path} failed ({Message}); retrying in {Delay}")]
    public static partial void WatchFailed(ILogger logger, string path, TimeSpan delay, string message);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Watch of {Path} ended; resuming from resourceVersion {ResourceVersion}")]
    public static partial void WatchResumed(ILogger logger, string path, string resourceVersion);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information,
        Message = "Published the snapshot of pool {Pool} (found: {HasPool}): {EndpointCount} endpoint(s), {ModelCount} model(s), {ConflictCount} model(s) not served (version {Version})")]
    public static partial void SnapshotPublished(ILogger logger, string pool, bool hasPool, int endpointCount, int modelCount, int conflictCount, long version);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "The pool cannot be served: {Error}")]
    public static partial void PoolNotServed(ILogger logger, string error);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "Watching the pods of pool {Pool} with selector {Selector}")]
    public static partial void PodSelectorChanged(ILogger logger, string pool, string selector);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Status of {Path}: {Type}={Status} ({Reason})")]
    public static partial void StatusWritten(ILogger logger, string path, string type, string status, string reason);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "Could not write the status of {Path}: {Message}")]
    public static partial void StatusWriteFailed(ILogger logger, string path, string message);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Lease {Namespace}/{Lease} is held by {Leader}")]
    public static partial void NewLeader(ILogger logger, string @namespace, string lease, string leader);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Leader election error: {Message}")]
    public static partial void LeaderElectionError(ILogger logger, string message);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Replica {Identity} is the status writer: {IsLeader}")]
    public static partial void LeadershipChanged(ILogger logger, string identity, bool isLeader);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Error, Message = "A datastore Changed handler failed after publishing the new snapshot")]
    public static partial void ChangedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "Could not check a /metrics bearer token with the API server ({Message}); answering 503")]
    public static partial void MetricsAuthFailed(ILogger logger, string message);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Debug, Message = "A request for {Path} carried a token the API server did not authenticate")]
    public static partial void MetricsTokenRejected(ILogger logger, string path);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Debug, Message = "User {User} may not get {Path}")]
    public static partial void MetricsAccessDenied(ILogger logger, string user, string path);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Warning, Message = "{Path} is not served by the API server (404: is its CRD installed?); continuing without it and listing again with backoff")]
    public static partial void ResourceMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 2018, Level = LogLevel.Information, Message = "{Path} is served now; watching it")]
    public static partial void ResourceInstalled(ILogger logger, string path);

    [LoggerMessage(EventId = 2019, Level = LogLevel.Warning, Message = "Could not {Verb} an Event in namespace {Namespace} ({Kind}: {Message}); dropping it. Further failures of this kind are logged at Debug (the picker needs create and patch on events.k8s.io events)")]
    public static partial void EventSendFailed(ILogger logger, string verb, string @namespace, string kind, string message);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Debug, Message = "Could not {Verb} an Event in namespace {Namespace} ({Kind}: {Message}); dropping it")]
    public static partial void EventSendFailedAgain(ILogger logger, string verb, string @namespace, string kind, string message);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "The Event queue is full ({Capacity}); dropping events until it drains")]
    public static partial void EventQueueFull(ILogger logger, int capacity);
}
