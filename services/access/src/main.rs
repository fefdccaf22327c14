#[tokio::main]
async fn main() -> anyhow::Result<()> {
    strongroom_runtime::binary_main(|shutdown| async move {
        strongroom_access::run(strongroom_access::Config::from_env()?, shutdown).await
    })
    .await
}
