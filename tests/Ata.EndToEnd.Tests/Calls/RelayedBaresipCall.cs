using System.Net;
using Ata.Lab;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// The adapter (its media anchored in a <see cref="LossyMediaRelay"/> by its outbound proxy) calls baresip,
/// which answers, playing <c>microphone</c>: the set-up the Contact ID and answer tone tests share.
/// </summary>
internal sealed class RelayedBaresipCall : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly MediaAnchoringProxy _proxy;

    private RelayedBaresipCall(MediaAnchoringProxy proxy, BaresipPhone phone, SimAdapter adapter, string adapterUser)
    {
        _proxy = proxy;
        Phone = phone;
        Adapter = adapter;
        AdapterUser = adapterUser;
    }

    /// <summary>The far end: baresip.</summary>
    public BaresipPhone Phone { get; }

    /// <summary>The adapter, line 1 in the call.</summary>
    public SimAdapter Adapter { get; }

    /// <summary>The adapter's line 1 user.</summary>
    public string AdapterUser { get; }

    /// <summary>Starts both ends, dials from the adapter, answers on baresip and waits until the adapter is connected.</summary>
    public static async Task<RelayedBaresipCall> StartAsync(CallLab lab, LossyMediaRelay relay, string microphone)
    {
        var proxy = new MediaAnchoringProxy(IPEndPoint.Parse(lab.Registrar.Address), relay);
        string phoneUser = lab.NewUser();
        var phone = await BaresipPhone.StartAsync(new BaresipPhoneOptions
        {
            User = phoneUser,
            Password = PasswordOf(phoneUser),
            Registrar = lab.Registrar.Address,
            Microphone = microphone,
        });
        string adapterUser = lab.NewUser();
        var call = new RelayedBaresipCall(proxy, phone, await lab.StartAdapterAsync(adapterUser, "--outbound-proxy", proxy.Address), adapterUser);
        await DialAsync(call.Adapter, phone.User);
        await phone.AnswerAsync(Timeout);
        await CallState(call.Adapter, "connected");
        return call;
    }

    public async ValueTask DisposeAsync()
    {
        await Adapter.DisposeAsync();
        await Phone.DisposeAsync();
        _proxy.Dispose();
    }
}
