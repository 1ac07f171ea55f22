using InferenceGateway.Core.Datastore;
using static InferenceGateway.Core.Tests.Datastore.Resources;

namespace InferenceGateway.Core.Tests.Datastore;

public sealed class InMemoryDatastoreTests
{
    [Fact]
    public void Current_BeforeAnyPublish_IsEmpty()
    {
        var datastore = new InMemoryDatastore();

        Assert.Same(DatastoreSnapshot.Empty, datastore.Current);
        Assert.False(datastore.Current.HasPool);
    }

    [Fact]
    public void Publish_EachTime_IncrementsVersionAndRaisesChanged()
    {
        var datastore = new InMemoryDatastore();
        var seen = new List<DatastoreSnapshot>();
        datastore.Changed += seen.Add;
        var snapshot = BuildOk();

        var first = datastore.Publish(snapshot);
        var second = datastore.Publish(snapshot);

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        Assert.Same(second, datastore.Current);
        Assert.Equal([first, second], seen);
        Assert.Equal(snapshot.Pool, second.Pool);
    }

    [Fact]
    public void Publish_HandlerThrows_OtherHandlersRunAndSnapshotStaysPublished()
    {
        var datastore = new InMemoryDatastore();
        var laterHandlerRan = false;
        datastore.Changed += _ => throw new InvalidOperationException("subscriber bug");
        datastore.Changed += _ => laterHandlerRan = true;

        var error = Assert.Throws<AggregateException>(() => datastore.Publish(BuildOk()));

        Assert.IsType<InvalidOperationException>(Assert.Single(error.InnerExceptions));
        Assert.True(laterHandlerRan);
        Assert.Equal(1, datastore.Current.Version);
    }

    [Fact]
    public async Task Publish_Concurrently_EveryVersionPublishedOnceInOrder()
    {
        var datastore = new InMemoryDatastore();
        var versions = new List<long>();
        datastore.Changed += s => versions.Add(s.Version); // handlers run under the publish gate: no races here
        var snapshot = BuildOk();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                datastore.Publish(snapshot);
            }
        })));

        Assert.Equal(200, datastore.Current.Version);
        Assert.Equal(Enumerable.Range(1, 200).Select(v => (long)v), versions);
    }
}
