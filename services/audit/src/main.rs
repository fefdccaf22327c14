#[tokio::main]
async fn main() -> anyhow::Result<()> {
    strongroom_runtime::binary_main(|shutdown| async move {
        strongroom_audit::run(strongroom_audit::Config::from_env()?, shutdown).await
    })
    .await
}
