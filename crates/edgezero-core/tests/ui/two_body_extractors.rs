use edgezero_core::extract::Json;
use edgezero_core::Router;

async fn twice(Json(a): Json<u32>, body: String) -> String {
    format!("{a} {body}")
}

fn main() {
    let _ = Router::new().post("/twice", twice);
}
